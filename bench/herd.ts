/**
 * Herd: 1,000 agents (full run) reconnecting at once after an outage, each with 100 queued
 * entries: time until every entry is acknowledged by a real gateway in its own process, the
 * errors and 429s the herd met on the way, and the gateway's peak RSS: over its whole life, before
 * serving, and its largest sample while serving with the main thread's V8 heap and ArrayBuffers.
 *   npx tsx bench/herd.ts [--quick]
 * Agents are lightweight forwarders (bench/lib/light-forwarder.ts: the contract's client side,
 * one upload of 100 entries each, receipts verified, backoff with full jitter, Retry-After
 * honoured) over pre-built signed chains, all in this process: not 1,000 agent processes with
 * LevelDB ledgers. The gateway runs with its default configuration (rate limits included).
 * Beside it, measured in this run: the time node:crypto takes to verify as many signatures on
 * one core.
 */
import { performance } from 'node:perf_hooks';
import { generateSigningKeyPair, sign, signingBytes, verify } from '../protocol/crypto/index.ts';
import { domains } from '../protocol/messages/index.ts';
import { generateGatewayKeys } from '../gateway/keys.ts';
import { Sealer } from '../gateway/crypto/fast-seal.ts';
import { against, finish, sized, summarize } from './harness.ts';
import { startGateway } from './lib/gateway-proc.ts';
import { buildFleet, emptyTally, forwardAll } from './lib/light-forwarder.ts';

const agents = sized(1_000, 100, 20);
const entriesPerAgent = sized(100, 100, 20);
const repeats = sized(2, 1);
const total = agents * entriesPerAgent;

const keys = generateGatewayKeys();
const sealer = new Sealer(keys.sealPublicKey);
const { enrolled, light } = buildFleet(
  { agents, entriesPerAgent, kpmPerAgent: entriesPerAgent / 2, uploadSize: 200 },
  sealer,
);

function verifySeconds(): number {
  const pair = generateSigningKeyPair();
  const message = signingBytes(domains.entry, { pad: 'x'.repeat(600) });
  const signature = sign(message, pair.seed);
  const n = 2_000;
  const start = performance.now();
  for (let i = 0; i < n; i++) if (!verify(message, signature, pair.publicKey)) throw new Error('verify failed');
  return ((performance.now() - start) / 1000) * (total / n);
}

const seconds: number[] = [];
const errors: number[] = [];
const limited: number[] = [];
const shed: number[] = [];
const streaks: number[] = [];
const longestSleeps: number[] = [];
const rss: number[] = [];
/** The gateway's memory: peak RSS before serving, and its largest sample while serving with two of its shares. */
const readyRss: number[] = [];
const servingRss: number[] = [];
const servingHeap: number[] = [];
const servingBuffers: number[] = [];
const verifies: number[] = [];
for (let r = 0; r < repeats; r++) {
  verifies.push(verifySeconds());
  const gateway = await startGateway({ keys, agents: enrolled });
  const tally = emptyTally();
  const start = performance.now();
  const failed = await Promise.all(light.map((a) => forwardAll(gateway.url, a, keys.signingPublicKey, tally))).then(
    () => undefined,
    (err: unknown) => err as Error,
  );
  seconds.push((performance.now() - start) / 1000);
  const done = await gateway.stop();
  if (failed !== undefined) throw failed;
  if (done.storedEntries !== total)
    throw new Error(`bench herd: gateway stored ${done.storedEntries}, expected ${total}`);
  errors.push(tally.networkErrors + tally.unavailable + tally.otherErrors);
  limited.push(tally.rateLimited);
  shed.push(tally.shed);
  streaks.push(tally.longestStreak);
  longestSleeps.push(tally.longestBackoffMs / 1000);
  rss.push(done.peakRssMiB);
  readyRss.push(done.memory.readyPeakRssMiB);
  servingRss.push(done.memory.servingPeak.rssMiB);
  servingHeap.push(done.memory.servingPeak.heapTotalMiB);
  servingBuffers.push(done.memory.servingPeak.arrayBuffersMiB);
}
const baseline = summarize(
  `${total.toLocaleString('en-US')} Ed25519 verifies, node:crypto (raw, 1 core)`,
  's',
  verifies,
);
finish(
  'herd',
  `Herd: ${agents.toLocaleString('en-US')} agents x ${entriesPerAgent} entries reconnecting at once ` +
    '(lightweight forwarders, gateway in its own process)',
  [
    baseline,
    against(summarize(`herd of ${agents} agents x ${entriesPerAgent} entries: time to drain`, 's', seconds), baseline),
    summarize('herd: errors met (network, 5xx other than 503, other)', 'count', errors),
    summarize('herd: 503 answers (uploads in flight over the bound; retried after Retry-After)', 'count', shed),
    summarize('herd: 429 responses', 'count', limited),
    summarize('herd: longest refusal streak of one upload (backoff window doubles at each)', 'count', streaks),
    summarize('herd: longest backoff sleep of one agent', 's', longestSleeps),
    summarize(`gateway peak RSS during herd of ${agents}`, 'MiB', rss),
    summarize('gateway peak RSS before serving (start-up, enrolment, worker threads)', 'MiB', readyRss),
    summarize('gateway largest RSS sample while serving (every 50 ms)', 'MiB', servingRss),
    summarize('  its main-thread V8 heap (heapTotal) at that sample', 'MiB', servingHeap),
    summarize('  its ArrayBuffers (Buffers: bodies, LevelDB values) at that sample', 'MiB', servingBuffers),
  ],
  ['agents are lightweight forwarders over pre-built signed chains (one process), not full agent processes'],
);
