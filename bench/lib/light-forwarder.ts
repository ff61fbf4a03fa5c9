/**
 * A lightweight forwarder for load benchmarks: replays one agent's pre-built signed uploads in
 * order, following the HTTP contract's client side (signed request headers, receipt signature
 * and ackSeq/ackHash checked, 429/503/5xx/network errors retried with full-jitter backoff, base
 * 500 ms, cap 60 s, Retry-After a floor under it as in agent/forward). It is not agent/forward (no ledger, no cursor in
 * LevelDB): it lets one process play hundreds of agents at once.
 */
import { randomBytes } from 'node:crypto';
import { generateSigningKeyPair, toBase64 } from '../../protocol/crypto/index.ts';
import type { Sealer } from '../../gateway/crypto/fast-seal.ts';
import { benchAgentId, benchKpmId, buildChain } from './chains.ts';
import { signRequest, verifyReceipt, type LedgerEntry, type SignedReceipt } from '../../protocol/messages/index.ts';

export interface LightAgent {
  readonly agentId: string;
  readonly seed: string;
  readonly uploads: readonly { readonly body: string; readonly last: LedgerEntry }[];
}

export interface ForwardTally {
  uploads: number;
  rateLimited: number;
  /** 503 answers: the gateway shedding load (uploads in flight, verification queue); retried. */
  shed: number;
  /** Other 5xx answers. */
  unavailable: number;
  networkErrors: number;
  otherErrors: number;
  /** The longest sleep before a retry (one per refusal or network error), ms. */
  longestBackoffMs: number;
  /** Most refusals in a row met by one upload (each one doubles the backoff's jitter window). */
  longestStreak: number;
}

export function emptyTally(): ForwardTally {
  return {
    uploads: 0,
    rateLimited: 0,
    shed: 0,
    unavailable: 0,
    networkErrors: 0,
    otherErrors: 0,
    longestBackoffMs: 0,
    longestStreak: 0,
  };
}

const backoffBaseMs = 500;
const backoffCapMs = 60_000;
const attemptsMax = 50;

function jitterMs(failures: number): number {
  return Math.random() * Math.min(backoffCapMs, backoffBaseMs * 2 ** failures);
}

export function makeUploads(
  agentId: string,
  entries: readonly LedgerEntry[],
  uploadSize: number,
): LightAgent['uploads'] {
  const out = [];
  for (let i = 0; i < entries.length; i += uploadSize) {
    const slice = entries.slice(i, i + uploadSize);
    out.push({ body: JSON.stringify({ v: 1, agentId, entries: slice }), last: slice[slice.length - 1]! });
  }
  return out;
}

async function post(base: string, agent: LightAgent, body: string): Promise<Response> {
  const path = `/v1/agents/${agent.agentId}/uploads`;
  const headers = {
    ...signRequest({ method: 'POST', path, body }, { agentId: agent.agentId, seed: agent.seed }),
    'content-type': 'application/json',
  };
  return fetch(base + path, { method: 'POST', body, headers });
}

/** Uploads every batch of `agent`; throws on anything the contract says must stop forwarding. */
export async function forwardAll(
  base: string,
  agent: LightAgent,
  gatewayPublicKey: string,
  tally: ForwardTally,
): Promise<void> {
  for (const upload of agent.uploads) {
    for (let failures = 0; ; failures++) {
      if (failures >= attemptsMax)
        throw new Error(`bench forwarder ${agent.agentId}: gave up after ${attemptsMax} attempts`);
      let res: Response;
      try {
        res = await post(base, agent, upload.body);
      } catch {
        tally.networkErrors += 1;
        await backoff(tally, failures, jitterMs(failures));
        continue;
      }
      if (res.status === 200) {
        const receipt = (await res.json()) as SignedReceipt;
        if (
          !verifyReceipt(receipt, gatewayPublicKey) ||
          receipt.ackSeq !== upload.last.seq ||
          receipt.ackHash !== upload.last.hash
        ) {
          throw new Error(`bench forwarder ${agent.agentId}: receipt does not acknowledge seq ${upload.last.seq}`);
        }
        tally.uploads += 1;
        break;
      }
      const text = await res.text();
      if (res.status === 429 || res.status === 503 || res.status >= 500) {
        if (res.status === 429) tally.rateLimited += 1;
        else if (res.status === 503) tally.shed += 1;
        else tally.unavailable += 1;
        const retryAfter = Number(res.headers.get('retry-after'));
        // As agent/forward/backoff.ts: Retry-After is a floor under the jittered backoff, so refused
        // agents spread out instead of coming back together every Retry-After seconds.
        const floorMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 0;
        await backoff(tally, failures, Math.max(floorMs, jitterMs(failures)));
        continue;
      }
      tally.otherErrors += 1;
      throw new Error(`bench forwarder ${agent.agentId}: upload refused ${res.status} ${text.slice(0, 300)}`);
    }
  }
}

function backoff(tally: ForwardTally, failures: number, ms: number): Promise<void> {
  tally.longestBackoffMs = Math.max(tally.longestBackoffMs, ms);
  tally.longestStreak = Math.max(tally.longestStreak, failures + 1);
  return sleep(ms);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface FleetSpec {
  readonly agents: number;
  readonly entriesPerAgent: number;
  readonly kpmPerAgent: number;
  readonly uploadSize: number;
}

/**
 * A fleet of lightweight agents: each gets a fresh key and look-up key, its enrolment record for
 * the gateway, and its pre-built signed chain cut into uploads.
 */
export function buildFleet(spec: FleetSpec, sealer: Sealer): { enrolled: EnrolledAgent[]; light: LightAgent[] } {
  const enrolled: EnrolledAgent[] = [];
  const light: LightAgent[] = [];
  for (let a = 0; a < spec.agents; a++) {
    const pair = generateSigningKeyPair();
    const agentId = benchAgentId(a);
    const lookupKey = toBase64(randomBytes(32));
    enrolled.push({
      agentId,
      publicKey: pair.publicKey,
      lookupKey,
      kpmIds: Array.from({ length: spec.kpmPerAgent }, (_, i) => benchKpmId(a, i)),
    });
    const entries = buildChain({
      agentIndex: a,
      seed: pair.seed,
      lookupKey,
      sealer,
      count: spec.entriesPerAgent,
      kpmPerAgent: spec.kpmPerAgent,
    });
    light.push({ agentId, seed: pair.seed, uploads: makeUploads(agentId, entries, spec.uploadSize) });
  }
  return { enrolled, light };
}

export interface EnrolledAgent {
  readonly agentId: string;
  readonly publicKey: string;
  readonly lookupKey: string;
  readonly kpmIds: string[];
}
