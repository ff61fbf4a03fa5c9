import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildGateway } from '../../gateway/app.ts';
import { createLogger } from '../../gateway/http/logger.ts';
import { newToken } from '../../gateway/http/staff-auth.ts';
import {
  enroll,
  newAgent,
  panOf,
  row,
  signedHeaders,
  tempStore,
  testConfig,
  withdrawal,
  type TempStore,
} from './helpers.ts';

let t: TempStore;
let app: FastifyInstance;
let lines: string[];

beforeEach(async () => {
  t = await tempStore();
  lines = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      done();
    },
  });
  app = (
    await buildGateway({
      store: t.store,
      keys: t.keys,
      config: testConfig(),
      logger: createLogger('trace', sink),
      now: () => 1_800_000_000_000,
    })
  ).app;
});

afterEach(async () => {
  await app.close();
  await t.cleanup();
});

describe('gateway logs', () => {
  it('never carry PAN, NIK, names, sealed PANs, request signatures or staff tokens', async () => {
    const agent = newAgent('AGT-LOG');
    await enroll(t.store, agent, ['KPM-0001']);
    const r = row('KPM-0001', 100_000);
    await t.store.applyDisbursements([r], { fileSha256: 'a'.repeat(64), now: 1 });
    const entry = withdrawal(agent, t.keys, { kpmId: 'KPM-0001', amount: 1000, pan: r.pan });
    const body = JSON.stringify({ v: 1, agentId: agent.agentId, entries: [entry] });
    const headers = signedHeaders(agent, 'POST', '/v1/agents/AGT-LOG/uploads', body, { now: 1_800_000_000_000 });
    expect(
      (await app.inject({ method: 'POST', url: '/v1/agents/AGT-LOG/uploads', payload: body, headers })).statusCode,
    ).toBe(200);
    // a refused upload logs its refusal
    await app.inject({ method: 'POST', url: '/v1/agents/AGT-LOG/uploads', payload: body, headers });
    const { token, record } = newToken('viewer', 'ana', 1);
    await t.store.putToken(record);
    await app.inject({ url: '/v1/staff/agents', headers: { authorization: `Bearer ${token}` } });
    // whatever a future call site passes, the configured paths are censored
    app.log.info({ row: r, entry, headers: { authorization: `Bearer ${token}` } }, 'diagnostic');
    app.log.info({ pan: r.pan, nik: r.nik }, 'flat');

    const text = lines.join('\n');
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.some((l) => l.includes('"upload stored"'))).toBe(true);
    expect(lines.some((l) => l.includes('diagnostic') && l.includes('[redacted]'))).toBe(true);
    for (const secret of [r.pan, r.nik, r.name, entry.sealedPan, entry.panHash, headers['x-edc-signature']!, token])
      expect(text).not.toContain(secret);
    expect(text).not.toContain(panOf('KPM-0001'));
  });
});
