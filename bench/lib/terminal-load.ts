/**
 * Child process of bench/agent-profile.ts: the terminal emulators. Reads {port, terminals,
 * perTerminal, cards} as JSON on stdin, runs back-to-back 0200 withdrawals from each terminal over
 * TCP, prints {p50, p99} (ms) as JSON on stdout; exit 1 on any answer other than 00.
 */
import { performance } from 'node:perf_hooks';
import { EdcTerminal, connectTcpTerminal, type KksCard } from '../../simulators/terminal/index.ts';
import { percentile } from '../harness.ts';

interface Job {
  port: number;
  terminals: number;
  perTerminal: number;
  cards: KksCard[];
}

let input = '';
for await (const chunk of process.stdin) input += String(chunk);
const job = JSON.parse(input) as Job;
const latencies: number[] = [];
await Promise.all(
  Array.from({ length: job.terminals }, async (_, i) => {
    const transport = await connectTcpTerminal('127.0.0.1', job.port);
    const t = new EdcTerminal({
      transport,
      terminalId: `BT${String(i).padStart(6, '0')}`,
      merchantId: 'AGT-BENCH      ',
      responseTimeoutMs: 30_000,
      stanStart: (i + 1) * 1000,
    });
    for (let r = 0; r < job.perTerminal; r++) {
      const card = job.cards[(i * job.perTerminal + r) % job.cards.length]!;
      const sent = performance.now();
      const exchange = await t.withdraw(card, card.pin, 10_000);
      if (exchange.kind !== 'response' || exchange.response.fields[39] !== '00')
        throw new Error(`withdrawal not approved: ${exchange.kind}`);
      latencies.push(performance.now() - sent);
    }
    await transport.close();
  }),
);
latencies.sort((a, b) => a - b);
process.stdout.write(JSON.stringify({ p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) }));
