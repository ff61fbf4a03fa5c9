/**
 * Gateway ingest over HTTP: entries/s verified and durably stored (group-committed synced
 * LevelDB batches, with their reconciliation updates) by a real gateway in its own process on
 * 127.0.0.1, with 1, 16 and 256 agents uploading concurrently (uploads of <= 100 entries), and
 * the gateway's peak RSS under each load. Beside them, measured in this run: the raw node:crypto
 * Ed25519 verify rate (one verify per entry is the floor of the gateway's CPU work) and the
 * tweetnacl verify rate (the reference path, what verification would cost without OpenSSL).
 *   npx tsx bench/gateway-ingest.ts [--quick]
 * The gateway's CPU per stored entry (all its threads, process.cpuUsage) is given beside each
 * rate: on a shared machine it is the figure the other load does not inflate. Beside it, the
 * main thread's own CPU per entry (/proc task stat, Linux): the serial part, the event loop.
 * Agents are lightweight forwarders (bench/lib/light-forwarder.ts) over pre-built signed chains,
 * in this process; the gateway has its own process, so the two share the machine's 2 cores.
 */
import { performance } from 'node:perf_hooks';
import { generateSigningKeyPair, sign, signingBytes, verify, verifyReference } from '../protocol/crypto/index.ts';
import { domains } from '../protocol/messages/index.ts';
import { generateGatewayKeys } from '../gateway/keys.ts';
import { Sealer } from '../gateway/crypto/fast-seal.ts';
import { against, finish, sized, summarize, type Figure } from './harness.ts';
import { startGateway } from './lib/gateway-proc.ts';
import { buildFleet, emptyTally, forwardAll, type ForwardTally } from './lib/light-forwarder.ts';

const repeats = sized(3, 1);
const entriesPerRun = sized(6_400, 1_024, 256);
// BENCH_INGEST_AGENTS=16,256 measures only those loads (profiling one of them).
const loads = (process.env.BENCH_INGEST_AGENTS ?? '1,16,256').split(',').map(Number);

interface IngestRun {
  readonly rate: number;
  readonly rssMiB: number;
  /** CPU of all the gateway's threads per stored entry, us (load-independent, unlike the rate). */
  readonly gatewayCpuUs: number;
  /** CPU of the gateway's main thread (event loop) per stored entry, us: the serial part. */
  readonly mainCpuUs: number;
  /** What the agents met on the way: refusals, and how long their backoff held them. */
  readonly tally: ForwardTally;
}

async function ingestRun(agents: number): Promise<IngestRun> {
  const keys = generateGatewayKeys();
  const sealer = new Sealer(keys.sealPublicKey);
  const perAgent = Math.ceil(entriesPerRun / agents);
  const kpmPerAgent = Math.ceil(perAgent / 2);
  const { enrolled, light } = buildFleet(
    { agents, entriesPerAgent: perAgent, kpmPerAgent, uploadSize: Math.min(100, perAgent) },
    sealer,
  );
  const gateway = await startGateway({ keys, config: { rateRequestsMax: 1_000_000 }, agents: enrolled });
  const tally = emptyTally();
  const start = performance.now();
  const sent = await Promise.all(light.map((a) => forwardAll(gateway.url, a, keys.signingPublicKey, tally))).then(
    () => undefined,
    (err: unknown) => err as Error,
  );
  const elapsed = (performance.now() - start) / 1000;
  const done = await gateway.stop();
  if (sent !== undefined) throw sent;
  if (done.storedEntries !== perAgent * agents)
    throw new Error(`expected ${perAgent * agents} entries stored, found ${done.storedEntries}`);
  const stored = perAgent * agents;
  const usPerEntry = (seconds: number) => Math.round((seconds * 1e6) / stored);
  const { main = 0, ...others } = done.threadCpuSeconds;
  const busiest = Object.values(others).sort((a, b) => b - a);
  const rest = busiest.slice(2).reduce((a, b) => a + b, 0);
  const perThread = [
    `main ${usPerEntry(main)}`,
    `two busiest others (verify workers) ${busiest.slice(0, 2).map(usPerEntry).join(' + ')}`,
    `the other ${busiest.length - 2} threads (libuv, V8) ${usPerEntry(rest)}`,
  ];
  console.error(`gateway CPU us/entry by thread, ${agents} agent(s): ${perThread.join(', ')}`);
  const byTid = Object.entries(others).sort(([a], [b]) => Number(a.split('/')[1]) - Number(b.split('/')[1]));
  console.error(`  other threads by id (creation order): ${byTid.map(([n, c]) => `${n} ${usPerEntry(c)}`).join(', ')}`);
  return {
    rate: stored / elapsed,
    rssMiB: done.peakRssMiB,
    gatewayCpuUs: (done.cpuSeconds * 1e6) / stored,
    mainCpuUs: (done.mainCpuSeconds * 1e6) / stored,
    tally,
  };
}

function verifyRates(): { node: number; nacl: number } {
  const pair = generateSigningKeyPair();
  const messages = Array.from({ length: 2_000 }, (_, i) => signingBytes(domains.entry, { i, pad: 'x'.repeat(600) }));
  const sigs = messages.map((m) => sign(m, pair.seed));
  let start = performance.now();
  for (let i = 0; i < messages.length; i++)
    if (!verify(messages[i]!, sigs[i]!, pair.publicKey)) throw new Error('verify failed');
  const node = messages.length / ((performance.now() - start) / 1000);
  const naclCount = 100;
  start = performance.now();
  for (let i = 0; i < naclCount; i++)
    if (!verifyReference(messages[i]!, sigs[i]!, pair.publicKey)) throw new Error('verify failed');
  return { node, nacl: naclCount / ((performance.now() - start) / 1000) };
}

const nodeSamples: number[] = [];
const naclSamples: number[] = [];
for (let r = 0; r < 3; r++) {
  const v = verifyRates();
  nodeSamples.push(v.node);
  naclSamples.push(v.nacl);
}
const baseline = summarize('node:crypto Ed25519 verify (raw, 1 core)', 'verifies/s', nodeSamples);
const figures: Figure[] = [
  baseline,
  against(summarize('tweetnacl Ed25519 verify (reference path)', 'verifies/s', naclSamples), baseline),
];
/**
 * Beside each rate, what the agents met: a rate that collapses (256 agents once fell to 60/s) is
 * explained by the refusals and by the longest backoff sleep (full jitter doubles its window at
 * each refusal in a row, up to 60 s) rather than by a guess.
 */
function refusalFigures(agents: number, tallies: readonly ForwardTally[]): Figure[] {
  const of = (pick: (t: ForwardTally) => number): number[] => tallies.map(pick);
  return [
    summarize(
      `ingest ${agents} agent(s): 503 answers (admission/verify queue; retried)`,
      'count',
      of((t) => t.shed),
    ),
    summarize(
      `ingest ${agents} agent(s): 429 answers`,
      'count',
      of((t) => t.rateLimited),
    ),
    summarize(
      `ingest ${agents} agent(s): longest refusal streak of one upload`,
      'count',
      of((t) => t.longestStreak),
    ),
    summarize(
      `ingest ${agents} agent(s): longest backoff sleep`,
      's',
      of((t) => t.longestBackoffMs / 1000),
    ),
  ];
}

for (const agents of loads) {
  const runs: IngestRun[] = [];
  for (let r = 0; r < repeats; r++) runs.push(await ingestRun(agents));
  const rate = summarize(
    `HTTP ingest, ${agents} concurrent agent(s)`,
    'entries/s',
    runs.map((r) => r.rate),
  );
  figures.push(against(rate, baseline));
  figures.push(
    ...refusalFigures(
      agents,
      runs.map((r) => r.tally),
    ),
  );
  figures.push(
    summarize(
      `gateway CPU per entry (all threads), ${agents} agent(s)`,
      'us',
      runs.map((r) => r.gatewayCpuUs),
    ),
  );
  figures.push(
    summarize(
      `gateway main-thread CPU per entry, ${agents} agent(s)`,
      'us',
      runs.map((r) => r.mainCpuUs),
    ),
  );
  figures.push(
    summarize(
      `gateway peak RSS, ingest with ${agents} agent(s)`,
      'MiB',
      runs.map((r) => r.rssMiB),
    ),
  );
}
finish(
  'gateway-ingest',
  `Gateway ingest over HTTP (${entriesPerRun} entries per run, uploads of <= 100 entries, gateway in its own process)`,
  figures,
  [
    'agents are lightweight forwarders over pre-built signed chains in the bench process; ' +
      'the gateway runs in a child process',
  ],
);
