/**
 * The replay guard survives the gateway process being killed: a gateway child serves signed agent
 * requests (a head read and an upload), is killed with SIGKILL right after answering, and the
 * next gateway on the same store refuses every one of those requests replayed (401
 * EDC_ERR_AUTH_REPLAY) while it accepts new ones. NONCE_CRASH_ROUNDS kills (default 2).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LevelStore } from '../../gateway/store/level/store.ts';
import { enroll, newAgent, panOf, row, signedHeaders, tempStore, withdrawal, type TempStore } from './helpers.ts';

const rounds = Number(process.env.NONCE_CRASH_ROUNDS ?? 2);
const child = resolve(import.meta.dirname, 'nonce-child.ts');
const agent = newAgent('AGT-K');
let t: TempStore;
let statePath: string;

beforeAll(async () => {
  t = await tempStore();
  await enroll(t.store, agent, ['KPM-0001']);
  await t.store.applyDisbursements([row('KPM-0001', 5_000_000)], { fileSha256: 'a'.repeat(64), now: 1 });
  await t.store.close();
  statePath = join(t.dir, 'child.json');
  await writeFile(statePath, JSON.stringify({ path: join(t.dir, 'store'), keys: t.keys }));
});
afterAll(async () => t.cleanup());

function startGateway(): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, statePath], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((done, fail) => {
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\d+)/.exec(out);
      if (match) done({ proc, port: Number(match[1]) });
    });
    proc.once('exit', (code) => fail(new Error(`gateway child exited early with ${String(code)}`)));
  });
}

function kill(proc: ChildProcess): Promise<void> {
  return new Promise((done) => {
    proc.once('exit', () => done());
    proc.kill('SIGKILL');
  });
}

interface SentRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body: string;
  readonly headers: Record<string, string>;
}

function headRequest(): SentRequest {
  const path = `/v1/agents/${agent.agentId}/head`;
  return { method: 'GET', path, body: '', headers: signedHeaders(agent, 'GET', path, '', { now: Date.now() }) };
}

function uploadRequest(): SentRequest {
  const path = `/v1/agents/${agent.agentId}/uploads`;
  const entry = withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 10_000, pan: panOf('KPM-0001') });
  const body = JSON.stringify({ v: 1, agentId: agent.agentId, entries: [entry] });
  return { method: 'POST', path, body, headers: signedHeaders(agent, 'POST', path, body, { now: Date.now() }) };
}

async function send(port: number, r: SentRequest): Promise<{ status: number; code: string | undefined }> {
  const res = await fetch(`http://127.0.0.1:${port}${r.path}`, {
    method: r.method,
    headers: r.headers,
    ...(r.body === '' ? {} : { body: r.body }),
  });
  const json = (await res.json()) as { code?: string };
  return { status: res.status, code: json.code };
}

describe('replay guard across SIGKILL of the gateway process', () => {
  it(`refuses every request answered before a kill, replayed after it (${rounds} kills)`, async () => {
    const answered: SentRequest[] = [];
    let replaysRefused = 0;
    for (let round = 0; round < rounds; round++) {
      const { proc, port } = await startGateway();
      try {
        for (const old of answered) {
          expect(await send(port, old)).toEqual({ status: 401, code: 'EDC_ERR_AUTH_REPLAY' });
          replaysRefused += 1;
        }
        for (const fresh of [headRequest(), uploadRequest()]) {
          expect((await send(port, fresh)).status).toBe(200);
          answered.push(fresh);
        }
      } finally {
        await kill(proc); // also when an expectation failed: no gateway child outlives the test
      }
    }
    const store = await LevelStore.open({
      path: join(t.dir, 'store'),
      sealPublicKey: t.keys.sealPublicKey,
      sealSecretKey: t.keys.sealSecretKey,
      lookupKey: t.keys.lookupKey,
      tahapClosesAt: {},
    });
    try {
      expect((await store.head(agent.agentId)).seq).toBe(rounds); // each upload stored once
    } finally {
      await store.close();
    }
    console.log(`nonce crash test: ${rounds} kills, ${answered.length} requests, ${replaysRefused} replays refused`);
    expect(replaysRefused).toBe((answered.length * (rounds - 1)) / 2);
  });
});
