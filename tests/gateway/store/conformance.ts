/**
 * Conformance tests for any GatewayStore implementation (LevelDB now, PostgreSQL next): they use
 * only the interfaces in gateway/store/types.ts, and compare state through them (observable.ts),
 * never through a store's own records. A store joins by passing a factory:
 *
 *   describeStoreConformance('PgStore', async ({ keys, tahapClosesAt, nonceEntriesMax }) => ...)
 *
 * that opens a fresh, empty store and returns a handle to restart it on the same data (a gateway
 * restart) and to destroy it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayKeys } from '../../../gateway/config.ts';
import { generateGatewayKeys } from '../../../gateway/keys.ts';
import type { GatewayStore } from '../../../gateway/store/types.ts';
import { ingestSegment } from '../../../gateway/ingest/upload.ts';
import { signEntry, entryBody } from '../../../protocol/messages/signed.ts';
import { newAgent, panOf, reversal, row, tahap, testLimits, withdrawal, type TestAgent } from '../helpers.ts';
import { randomBytes } from 'node:crypto';
import { toBase64 } from '../../../protocol/crypto/encoding.ts';
import { observableState } from './observable.ts';
import { describeMoneyConformance } from './conformance-money.ts';
import { describeCheckpointConformance } from './conformance-checkpoints.ts';
import { describeKpmConformance } from './conformance-kpm.ts';
import { describeExceptionConformance } from './conformance-exceptions.ts';
import { describeFailedCreditConformance } from './conformance-failed-credits.ts';
import { describeDayConformance } from './conformance-days.ts';

export interface StoreOptions {
  /** The gateway keys the store seals to and hashes with. */
  readonly keys: GatewayKeys;
  readonly tahapClosesAt: Readonly<Record<string, number>>;
  /** The replay guard's bound of live nonces. */
  readonly nonceEntriesMax: number;
  /** Most evidence entries (fork branches and tampered entries) kept per agent. */
  readonly evidenceEntriesPerAgentMax?: number;
}

export interface StoreHandle {
  /** The open store (another object after restart). */
  readonly store: GatewayStore;
  /** Closes the store and opens the same data again, with other tahap closing times. */
  restart(options: { readonly tahapClosesAt: Readonly<Record<string, number>> }): Promise<void>;
  /** Closes the store (if open) and deletes its data. */
  destroy(): Promise<void>;
}

/** Opens a fresh, empty store. */
export type StoreFactory = (options: StoreOptions) => Promise<StoreHandle>;

/** Small, so that the conformance suite reaches the replay guard's bound. */
export const conformanceNonceEntriesMax = 3;

export function describeStoreConformance(name: string, open: StoreFactory): void {
  describeMoneyConformance(name, open);
  describeCheckpointConformance(name, open);
  describeKpmConformance(name, open);
  describeExceptionConformance(name, open);
  describeFailedCreditConformance(name, open);
  describeDayConformance(name, open);
  describe(`${name} conforms to the GatewayStore interfaces`, () => {
    let h: StoreHandle;
    let keys: GatewayKeys;
    let a: TestAgent;
    let b: TestAgent;
    let setA: string;
    const store = (): GatewayStore => h.store;
    const observed = () => observableState(h.store, { tahaps: [tahap] });

    async function enroll(agent: TestAgent, kpmIds: string[], move = false) {
      agent.record = await store().addAgent(
        { agentId: agent.agentId, publicKey: agent.publicKey, bank: 'BRI', regionCode: '3201010001', kpmIds },
        { move, now: 1, lookupKey: toBase64(randomBytes(32)) },
      );
      return agent.record;
    }

    beforeEach(async () => {
      keys = generateGatewayKeys();
      h = await open({ keys, tahapClosesAt: {}, nonceEntriesMax: conformanceNonceEntriesMax });
      a = newAgent('AGT-A');
      b = newAgent('AGT-B');
      await enroll(a, ['KPM-0001', 'KPM-0002', 'KPM-0003']);
      await enroll(b, ['KPM-0004']);
      setA = 'SETA0000000000000000000001';
      await store().recordEntitlementSet({
        setId: setA,
        agentId: 'AGT-A',
        tahap,
        issuedAt: 1,
        notBefore: 0,
        expiresAt: 1_000_000,
        basedOnSeq: 0,
        limits: testLimits,
        entitlements: ['KPM-0001', 'KPM-0002', 'KPM-0003'].map((kpmId) => ({ kpmId, remaining: 100_000_000 })),
      });
    });
    afterEach(async () => h.destroy());

    const w = (agent: TestAgent, kpmId: string, amount: number, extra: Record<string, unknown> = {}) =>
      withdrawal(agent, keys, { kpmId, amount, pan: panOf(kpmId), setId: setA, ...extra });

    it('addAgent refuses a KPM allocated to another active agent unless moved', async () => {
      await expect(enroll(newAgent('AGT-C'), ['KPM-0004'])).rejects.toMatchObject({ code: 'EDC_ERR_KPM_ALLOCATED' });
      await enroll(newAgent('AGT-D'), ['KPM-0004'], true);
      const kpms: string[] = [];
      for await (const k of store().agentKpms('AGT-B')) kpms.push(k);
      expect(kpms).toEqual([]);
    });

    it('addAgent refuses an id already enrolled', async () => {
      await expect(enroll(newAgent('AGT-A'), [])).rejects.toMatchObject({ code: 'EDC_ERR_AGENT_EXISTS' });
    });

    it('a revoked agent releases its KPMs to a new agent without --move', async () => {
      await store().revokeAgent('AGT-B', 2);
      await enroll(newAgent('AGT-E'), ['KPM-0004']);
      expect((await store().getAgent('AGT-B'))?.status).toBe('revoked');
    });

    it('applyDisbursements is idempotent: the same rows again change nothing', async () => {
      const rows = [row('KPM-0001', 750_000), row('KPM-0002', 500_000, { status: 'failed' })];
      expect(await store().applyDisbursements(rows, { fileSha256: 'f'.repeat(64), now: 1 })).toMatchObject({
        accepted: 2,
        duplicates: 0,
        conflicts: 0,
      });
      const before = await observed();
      expect(await store().applyDisbursements(rows, { fileSha256: 'f'.repeat(64), now: 2 })).toMatchObject({
        accepted: 0,
        duplicates: 2,
        conflicts: 0,
      });
      expect(await observed()).toEqual(before);
      expect(await store().importedFiles(tahap)).toEqual([
        { fileSha256: 'f'.repeat(64), bank: 'BRI', tahap, firstImportedAt: 1 },
      ]);
    });

    it(
      'applyDisbursements reports a row that changes an' + ' imported fact as a conflict and does not apply it',
      async () => {
        await store().applyDisbursements([row('KPM-0001', 750_000)], { fileSha256: 'f'.repeat(64), now: 1 });
        const out = await store().applyDisbursements([row('KPM-0001', 900_000, { line: 7 })], {
          fileSha256: 'e'.repeat(64),
          now: 2,
        });
        expect(out).toMatchObject({
          accepted: 0,
          conflicts: 1,
          conflictList: [{ line: 7, kpmId: 'KPM-0001', reference: 'REF-KPM-0001' }],
        });
        expect((await store().summary(tahap, {})).credited).toBe(750_000);
      },
    );

    it('answers no PAN, NIK or name in the clear through any read', async () => {
      const r = row('KPM-0001', 750_000);
      await store().applyDisbursements([r], { fileSha256: 'f'.repeat(64), now: 1 });
      await ingestSegment(store(), a.record!, [w(a, 'KPM-0001', 100_000)], 10);
      const all = JSON.stringify(await observed());
      expect(all).not.toContain(r.pan);
      expect(all).not.toContain(r.nik);
      expect(all).not.toContain(r.name);
    });

    it(
      'ingest appends in order, acknowledges duplicates,' + ' refuses a gap and a prevHash break without change',
      async () => {
        const e1 = w(a, 'KPM-0001', 1000);
        const e2 = w(a, 'KPM-0001', 1000);
        expect(await store().ingest('AGT-A', [e1], 10)).toMatchObject({
          kind: 'accepted',
          accepted: 1,
          duplicates: 0,
          head: { seq: 1, hash: e1.hash },
        });
        expect(await store().ingest('AGT-A', [e1, e2], 11)).toMatchObject({
          kind: 'accepted',
          accepted: 1,
          duplicates: 1,
          head: { seq: 2 },
        });
        const before = await observed();
        w(a, 'KPM-0001', 1000);
        expect(await store().ingest('AGT-A', [w(a, 'KPM-0001', 1000)], 12)).toEqual({
          kind: 'gap',
          headSeq: 2,
          expectedSeq: 3,
          foundSeq: 4,
        });
        const wrongPrev = signEntry(
          { ...entryBody(w(newAgent('AGT-A'), 'KPM-0001', 1)), seq: 3, agentId: 'AGT-A' },
          a.seed,
        );
        expect(await store().ingest('AGT-A', [wrongPrev], 13)).toMatchObject({ kind: 'prevHash', index: 0, seq: 3 });
        expect(await observed()).toEqual(before);
        expect(await store().entries('AGT-A', 1, 10)).toEqual([e1, e2]);
      },
    );

    it('concurrent ingests are each applied or refused on their own (a refused one changes nothing)', async () => {
      await store().applyDisbursements([row('KPM-0001', 500_000), row('KPM-0004', 500_000)], {
        fileSha256: 'f'.repeat(64),
        now: 1,
      });
      const a1 = w(a, 'KPM-0001', 1000);
      const a2 = w(a, 'KPM-0001', 2000);
      withdrawal(b, keys, { kpmId: 'KPM-0004', amount: 1, pan: panOf('KPM-0004') }); // b's seq 1 is never sent: a gap
      const b2 = withdrawal(b, keys, { kpmId: 'KPM-0004', amount: 5000, pan: panOf('KPM-0004') });
      const [ra1, rb, ra2] = await Promise.all([
        store().ingest('AGT-A', [a1], 10),
        store().ingest('AGT-B', [b2], 10),
        store().ingest('AGT-A', [a1, a2], 11),
      ]);
      expect(ra1).toMatchObject({ kind: 'accepted', accepted: 1 });
      expect(rb).toMatchObject({ kind: 'gap', expectedSeq: 1, foundSeq: 2 });
      expect(ra2).toMatchObject({ kind: 'accepted', accepted: 1, duplicates: 1, head: { seq: 2 } });
      expect(await store().head('AGT-B')).toMatchObject({ seq: 0 });
      expect(await store().summary(tahap, {})).toMatchObject({
        drawn: 3000,
        withdrawalsByCategory: { late: { count: 0 }, ok: { count: 2 } },
      });
      expect((await store().reconcile(tahap, 20)).agree).toBe(true);
    });

    it('a fork keeps both entries as evidence and flags the agent', async () => {
      const e1 = w(a, 'KPM-0001', 1000);
      await store().ingest('AGT-A', [e1], 10);
      const forked = signEntry({ ...entryBody(e1), amount: 3000 }, a.seed);
      expect(await store().ingest('AGT-A', [forked], 11)).toEqual({
        kind: 'fork',
        seq: 1,
        storedHash: e1.hash,
        foundHash: forked.hash,
      });
      expect(await store().evidence('AGT-A', 10)).toMatchObject([{ kind: 'fork', stored: e1, found: forked }]);
      expect(await store().getAgent('AGT-A')).toMatchObject({ flagged: true, flags: [{ kind: 'fork', seq: 1 }] });
      expect(await store().head('AGT-A')).toEqual({ seq: 1, hash: e1.hash });
    });

    it(
      'classifies every KPM: matched, partial, unclaimed,' + ' overdrawn, no_disbursement (failed row and no row)',
      async () => {
        await store().applyDisbursements(
          [
            row('KPM-0001', 500_000),
            row('KPM-0002', 500_000),
            row('KPM-0003', 500_000),
            row('KPM-0004', 500_000),
            row('KPM-0005', 300_000, { status: 'returned' }),
          ],
          { fileSha256: 'f'.repeat(64), now: 1 },
        );
        await ingestSegment(
          store(),
          a.record!,
          [
            w(a, 'KPM-0001', 500_000),
            w(a, 'KPM-0002', 200_000),
            w(a, 'KPM-0003', 400_000),
            w(a, 'KPM-0003', 400_000),
            w(a, 'KPM-0009', 50_000),
          ],
          10,
        );
        const sum = await store().summary(tahap, {});
        expect(sum).toMatchObject({
          kpm: 6,
          kpmByCategory: {
            matched: { count: 1 },
            partial: { count: 1 },
            overdrawn: { count: 1 },
            unclaimed: { count: 1 },
            no_disbursement: { count: 2 },
          },
          disbursed: 2_300_000,
          credited: 2_000_000,
          returned: 300_000,
          failed: 0,
          drawn: 1_500_000,
          withdrawn: 1_200_000,
          unclaimed: 800_000,
          overdrawnExcess: 300_000,
          withdrawalsByCategory: { ok: { count: 4 }, unknown_card: { count: 1, amount: 50_000 } },
        });
        expect(sum.disbursed).toBe(sum.withdrawn + sum.unclaimed + sum.failed + sum.returned);
        const overdrawn = await store().positions(tahap, 'overdrawn', { limit: 10 });
        expect(overdrawn.items).toMatchObject([
          { kpmId: 'KPM-0003', credited: 500_000, drawn: 800_000, withdrawn: 500_000, overdrawnExcess: 300_000 },
        ]);
      },
    );

    it('classifies withdrawals: duplicate, reversed, unknown card, clock by expiry, late by closing', async () => {
      await store().applyDisbursements([row('KPM-0001', 900_000), row('KPM-0002', 900_000)], {
        fileSha256: 'f'.repeat(64),
        now: 1,
      });
      const first = w(a, 'KPM-0001', 100_000, { stan: '000777' });
      const dup = w(a, 'KPM-0001', 100_000, { stan: '000777' });
      const rev = w(a, 'KPM-0002', 50_000);
      const undo = reversal(a, rev);
      const wrongCard = withdrawal(a, keys, {
        kpmId: 'KPM-0002',
        amount: 10_000,
        pan: '6032999999999999',
        setId: setA,
      });
      const expired = w(a, 'KPM-0002', 20_000, { at: 2_000_000 });
      await ingestSegment(store(), a.record!, [first, dup, rev, undo, wrongCard, expired], 10);
      const sum = await store().summary(tahap, {});
      expect(sum).toMatchObject({
        withdrawalsByCategory: {
          ok: { count: 1 },
          duplicate: { count: 1 },
          reversed: { count: 1 },
          unknown_card: { count: 1 },
          clock: { count: 1, amount: 20_000 },
          late: { count: 0 },
        },
        drawn: 120_000,
      });
      expect((await store().settlements(tahap))['AGT-A']).toMatchObject({
        payable: 100_000,
        disputed: 130_000,
        refused: 0,
        claimed: 230_000,
      });
      const dups = await store().withdrawals(tahap, 'duplicate', { limit: 10 });
      expect(dups.items).toMatchObject([{ agentId: 'AGT-A', seq: dup.seq, kpmId: 'KPM-0001', amount: 100_000 }]);
      await h.restart({ tahapClosesAt: { [tahap]: 5 } });
      const result = await store().reconcile(tahap, 100);
      expect(result.agree).toBe(false); // the closing time moved: the stored state is stale and recompute says so
      expect(result.totals.withdrawalsByCategory).toMatchObject({
        late: { count: 1 },
        clock: { count: 1 },
        ok: { count: 0 },
      });
    });

    it('reconcile agrees with the continuous state, stores the result with its input fingerprints', async () => {
      await store().applyDisbursements([row('KPM-0001', 500_000), row('KPM-0004', 300_000)], {
        fileSha256: 'f'.repeat(64),
        now: 1,
      });
      const e1 = w(a, 'KPM-0001', 100_000);
      await ingestSegment(store(), a.record!, [e1], 10);
      await ingestSegment(
        store(),
        b.record!,
        [withdrawal(b, keys, { kpmId: 'KPM-0004', amount: 300_000, pan: panOf('KPM-0004') })],
        10,
      );
      const result = await store().reconcile(tahap, 50);
      expect(result).toMatchObject({
        tahap,
        agree: true,
        differences: [],
        kpmCount: 2,
        inputs: { files: ['f'.repeat(64)], heads: { 'AGT-A': { seq: 1, hash: e1.hash } } },
      });
      expect(result.totals).toEqual(await store().summary(tahap, {}));
      expect(await store().reconResults(tahap, 5)).toEqual([result]);
    });

    it('summary filters by bank and region prefix', async () => {
      await store().applyDisbursements(
        [
          row('KPM-0001', 500_000),
          row('KPM-0002', 300_000, { regionCode: '3301010001', bank: 'BNI', reference: 'X1' }),
        ],
        { fileSha256: 'f'.repeat(64), now: 1 },
      );
      expect((await store().summary(tahap, { region: '32' })).credited).toBe(500_000);
      expect((await store().summary(tahap, { bank: 'BNI' })).credited).toBe(300_000);
      expect((await store().summary(tahap, { bank: 'BNI', region: '32' })).credited).toBe(0);
    });

    it(
      'exceptions move open -> investigating -> resolved with a reason,' + ' each change audited; resolved is final',
      async () => {
        await store().applyDisbursements([row('KPM-0001', 500_000)], { fileSha256: 'f'.repeat(64), now: 1 });
        const page = await store().exceptions(tahap, { limit: 10 });
        expect(page.items).toMatchObject([
          { id: `K:${tahap}:KPM-0001`, kind: 'unclaimed', amount: 500_000, state: 'open' },
        ]);
        const id = page.items[0]!.id;
        await expect(
          store().transitionException(id, { to: 'resolved', reason: 'confirmed', note: 'x', actor: 'ana', now: 2 }),
        ).rejects.toMatchObject({ code: 'EDC_ERR_EXCEPTION_TRANSITION' });
        await store().transitionException(id, {
          to: 'investigating',
          reason: undefined,
          note: 'called pendamping',
          actor: 'ana',
          now: 3,
        });
        await expect(
          store().transitionException(id, { to: 'resolved', reason: undefined, note: 'x', actor: 'ana', now: 4 }),
        ).rejects.toMatchObject({ code: 'EDC_ERR_EXCEPTION_TRANSITION' });
        const done = await store().transitionException(id, {
          to: 'resolved',
          reason: 'returned_to_treasury',
          note: 'retur SP2D 12',
          actor: 'ana',
          now: 5,
        });
        expect(done).toMatchObject({
          state: 'resolved',
          history: [
            { from: 'open', to: 'investigating' },
            { from: 'investigating', to: 'resolved', reason: 'returned_to_treasury' },
          ],
        });
        await expect(
          store().transitionException(id, { to: 'open', reason: undefined, note: 'x', actor: 'ana', now: 6 }),
        ).rejects.toMatchObject({ code: 'EDC_ERR_EXCEPTION_TRANSITION' });
        const audit = await store().audit({ limit: 10 });
        expect(audit.items.map((r) => r.details.to)).toEqual(['investigating', 'resolved']);
        await expect(
          store().transitionException(`K:${tahap}:KPM-9999`, {
            to: 'investigating',
            reason: undefined,
            note: 'x',
            actor: 'ana',
            now: 7,
          }),
        ).rejects.toMatchObject({ code: 'EDC_ERR_NOT_FOUND' });
      },
    );

    it('pages positions with a cursor until the end', async () => {
      await store().applyDisbursements(
        ['KPM-0001', 'KPM-0002', 'KPM-0003'].map((k) => row(k, 1000)),
        { fileSha256: 'f'.repeat(64), now: 1 },
      );
      const p1 = await store().positions(tahap, 'unclaimed', { limit: 2 });
      const p2 = await store().positions(tahap, 'unclaimed', { limit: 2, after: p1.next });
      expect([...p1.items, ...p2.items].map((p) => p.kpmId)).toEqual(['KPM-0001', 'KPM-0002', 'KPM-0003']);
      expect(p2.next).toBeUndefined();
    });

    it('refused writes change no observable state: a taken KPM, a known id, a refused transition', async () => {
      await store().applyDisbursements([row('KPM-0001', 500_000)], { fileSha256: 'f'.repeat(64), now: 1 });
      const before = await observed();
      await expect(enroll(newAgent('AGT-C'), ['KPM-0009', 'KPM-0004'])).rejects.toMatchObject({
        code: 'EDC_ERR_KPM_ALLOCATED',
      });
      await expect(enroll(newAgent('AGT-A'), ['KPM-0009'])).rejects.toMatchObject({ code: 'EDC_ERR_AGENT_EXISTS' });
      await expect(store().revokeAgent('AGT-NONE', 2)).rejects.toMatchObject({ code: 'EDC_ERR_AGENT_UNKNOWN' });
      await expect(
        store().transitionException(`K:${tahap}:KPM-0001`, {
          to: 'resolved',
          reason: 'confirmed',
          note: 'x',
          actor: 'ana',
          now: 3,
        }),
      ).rejects.toMatchObject({ code: 'EDC_ERR_EXCEPTION_TRANSITION' });
      expect(await observed()).toEqual(before);
    });

    it('claimNonce: fresh once, then a replay while it lives; per agent; fresh again after it expired', async () => {
      const n = 'a'.repeat(32);
      expect(await store().claimNonce('AGT-A', n, 1_000, 10)).toBe('fresh');
      expect(await store().claimNonce('AGT-A', n, 1_000, 20)).toBe('replay');
      expect(await store().claimNonce('AGT-A', n, 1_000, 1_000)).toBe('replay');
      expect(await store().claimNonce('AGT-B', n, 1_000, 20)).toBe('fresh');
      expect(await store().claimNonce('AGT-A', n, 5_000, 1_001)).toBe('fresh');
      expect(await store().claimNonce('AGT-A', n, 5_000, 1_002)).toBe('replay');
    });

    it('claimNonce: of concurrent claims of one nonce exactly one is fresh', async () => {
      const n = 'b'.repeat(32);
      const claims = await Promise.all([1, 2, 3].map(() => store().claimNonce('AGT-A', n, 1_000, 10)));
      expect(claims.sort()).toEqual(['fresh', 'replay', 'replay']);
    });

    it('claimNonce: a live nonce is still a replay after a restart; an expired one is forgotten', async () => {
      const live = 'c'.repeat(32);
      const expiring = 'd'.repeat(32);
      expect(await store().claimNonce('AGT-A', live, 10_000, 10)).toBe('fresh');
      expect(await store().claimNonce('AGT-A', expiring, 50, 10)).toBe('fresh');
      await h.restart({ tahapClosesAt: {} });
      expect(await store().claimNonce('AGT-A', live, 10_000, 60)).toBe('replay');
      expect(await store().claimNonce('AGT-A', expiring, 10_000, 60)).toBe('fresh');
    });

    it('claimNonce: full at the bound of live nonces (across a restart), room again once they expire', async () => {
      const nonce = (i: number) => String(i).padStart(32, 'e');
      for (let i = 0; i < conformanceNonceEntriesMax; i++)
        expect(await store().claimNonce('AGT-A', nonce(i), 100, 10)).toBe('fresh');
      expect(await store().claimNonce('AGT-B', nonce(99), 100, 10)).toBe('full');
      await h.restart({ tahapClosesAt: {} });
      expect(await store().claimNonce('AGT-B', nonce(99), 100, 20)).toBe('full');
      expect(await store().claimNonce('AGT-A', nonce(0), 100, 20)).toBe('replay');
      expect(await store().claimNonce('AGT-B', nonce(99), 500, 101)).toBe('fresh');
      expect(await store().claimNonce('AGT-B', nonce(99), 500, 102)).toBe('replay');
    });

    it('claimNonce changes no other observable state', async () => {
      const before = await observed();
      await store().claimNonce('AGT-A', 'f'.repeat(32), 1_000, 10);
      expect(await observed()).toEqual(before);
    });

    it('tokens are stored and found by their hash', async () => {
      await store().putToken({ tokenSha256: 'c'.repeat(64), name: 'ana', role: 'viewer', createdAt: 1 });
      expect(await store().getToken('c'.repeat(64))).toEqual({
        tokenSha256: 'c'.repeat(64),
        name: 'ana',
        role: 'viewer',
        createdAt: 1,
      });
      expect(await store().getToken('d'.repeat(64))).toBeUndefined();
    });
  });
}
