/**
 * The embedded LevelDB implementation of GatewayStore. One process owns the directory (LevelDB's
 * lock); all writes go through one write lock and one synced batch each, except nonce claims
 * (nonces.ts: unsynced, outside the lock, on keys nothing else reads).
 */
import type { ChainHead } from '../../../protocol/messages/signed.ts';
import { genesisHead } from '../../../protocol/messages/signed.ts';
import type { LedgerEntry } from '../../../protocol/messages/schemas.ts';
import { ulidFactory } from '../../../protocol/ids.ts';
import { ERR_AGENT_UNKNOWN, ERR_STORE_CLOSED } from '../../errors.ts';
import { Opener } from '../../crypto/fast-seal.ts';
import { DataKeyRing, EnvelopeSealer } from '../../crypto/envelope.ts';
import { KeyedHasher } from '../../crypto/keyed-hash.ts';
import { PanMatcher } from '../../crypto/pan-matcher.ts';
import type { DisbursementRow } from '../../import/types.ts';
import type { ReconEnv } from '../../recon/classify-raw.ts';
import type { SettlementCounters, TahapCounters } from '../../recon/counters.ts';
import type { KpmCategory, WithdrawalCategory } from '../../recon/classify.ts';
import type * as T from '../types.ts';
import { addAgentIntoTx, revokeAgentIntoTx } from './agents.ts';
import { agentContact, recordContactIntoTx } from './contacts.ts';
import { getJson, openDb, parseJson, Tx, WriteLock, type LevelDb } from './db.ts';
import { LevelHandle, type LevelStoreFault } from './handle.ts';
import { MergingCounterSink } from './counter-merge.ts';
import { applyRowsIntoTx } from './disbursements.ts';
import { evidenceEntriesPerAgentMaxDefault } from '../../recon/evidence.ts';
import { recordSetIntoTx } from './entitlement-sets.ts';
import { ingestIntoTx, recordEvidenceIntoTx, type IngestEnv, type StoredEntry } from './ingest.ts';
import type { ChainLink, StoredEvidence } from './ingest.ts';
import { k, range, sep } from './keys.ts';
import { checkpointAt, checkpointsFrom, lastCheckpoint, putCheckpointIntoTx } from './checkpoints.ts';
import { NonceLedger } from './nonces.ts';
import * as Q from './queries.ts';
import { compareCounters, recompute } from './recompute.ts';
import { rebuildBankCountersIntoTx } from './bank-counters.ts';
import { entitlementSnapshot } from './entitlements.ts';
import { assignIntoTx, transitionIntoTx } from './exceptions.ts';
import { findKpm, kpmDossier } from './dossier.ts';
import { failedCreditsPage, stepFailedCreditIntoTx } from './failed-credits.ts';
import { addDataKeyIntoTx, dataKeyInfos, loadDataKeys, storedDataKeys } from './data-keys.ts';

export interface LevelStoreOptions {
  readonly path: string;
  readonly sealPublicKey: string;
  readonly sealSecretKey: string;
  /** The gateway's HMAC key for PAN/NIK look-up hashes. */
  readonly lookupKey: string;
  readonly tahapClosesAt: Readonly<Record<string, number>>;
  /** Live agent request nonces held at most (config nonceCacheEntriesMax); default 1,000,000. */
  readonly nonceEntriesMax?: number;
  /** Evidence entries (fork branches, tampered entries) kept per agent; default 10,000. */
  readonly evidenceEntriesPerAgentMax?: number | undefined;
  readonly ulid?: () => string;
  /** Told when a write fails (the store latches: handle.ts) and when a fresh handle opens; serve logs it. */
  readonly onFault?: (fault: LevelStoreFault) => void;
}

export const nonceEntriesMaxDefault = 1_000_000;
/** Most uploads committed together in one synced batch (group commit). */
export const groupUploadsMax = 64;

interface IngestJob {
  readonly agentId: string;
  readonly entries: readonly LedgerEntry[];
  readonly receivedAt: number;
  readonly resolve: (outcome: T.IngestOutcome) => void;
  readonly reject: (error: unknown) => void;
}

export class LevelStore implements T.GatewayStore {
  readonly #lock = new WriteLock();
  readonly #env: ReconEnv;
  readonly #ingestEnv: IngestEnv;
  readonly #ring: DataKeyRing;
  readonly #sealer: EnvelopeSealer;
  readonly #hasher: KeyedHasher;
  readonly #opener: Opener;
  readonly #ulid: () => string;
  readonly #lookupKeys = new Map<string, string | undefined>();
  readonly #pending: IngestJob[] = [];
  #draining = false;
  /** Work outside the write lock (reconciles reading a snapshot, nonce writes); close() lets it finish. */
  readonly #running = new Set<Promise<unknown>>();
  readonly #nonces: NonceLedger;
  readonly #handle: LevelHandle;

  private constructor(
    db: LevelDb,
    private readonly options: LevelStoreOptions,
  ) {
    this.#handle = new LevelHandle(db, {
      path: options.path,
      lock: this.#lock,
      onFault: options.onFault,
      reopened: async (fresh) => {
        this.#lookupKeys.clear();
        await loadDataKeys(fresh, this.#ring);
      },
    });
    this.#ring = new DataKeyRing(options.sealSecretKey);
    this.#sealer = new EnvelopeSealer(this.#ring);
    this.#hasher = new KeyedHasher(options.lookupKey);
    this.#opener = new Opener(options.sealSecretKey, this.#ring);
    this.#ulid = options.ulid ?? ulidFactory();
    this.#nonces = new NonceLedger(
      () => this.db,
      (error) => this.#handle.fail(error),
      options.nonceEntriesMax ?? nonceEntriesMaxDefault,
    );
    const matcher = new PanMatcher(this.#opener);
    this.#env = {
      matcher,
      lookupKey: async (agentId) => {
        if (!this.#lookupKeys.has(agentId))
          this.#lookupKeys.set(agentId, (await getJson<T.AgentRecord>(this.db, k.agent(agentId)))?.lookupKey);
        return this.#lookupKeys.get(agentId);
      },
      closesAt: (tahap) => options.tahapClosesAt[tahap],
    };
    this.#ingestEnv = {
      recon: this.#env,
      evidenceEntriesPerAgentMax: options.evidenceEntriesPerAgentMax ?? evidenceEntriesPerAgentMaxDefault,
    };
  }

  /** Opens the folder and loads its data keys; a store's first open makes data key 1. */
  static async open(options: LevelStoreOptions): Promise<LevelStore> {
    const store = new LevelStore(await openDb(options.path), options);
    try {
      await loadDataKeys(store.db, store.#ring);
      if (store.#ring.size === 0) await store.#addDataKey(Date.now(), true);
      await store.#write((tx) => rebuildBankCountersIntoTx(tx));
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  async #addDataKey(now: number, onlyIfNone: boolean): Promise<void> {
    const added = await this.#write((tx) => addDataKeyIntoTx(tx, this.#ring, now, onlyIfNone));
    if (added !== undefined) this.#ring.add(added);
  }

  async rotateDataKey(now: number): Promise<T.DataKeyInfo> {
    await this.#addDataKey(now, false);
    return (await this.listDataKeys()).at(-1)!;
  }

  async listDataKeys(): Promise<T.DataKeyInfo[]> {
    return dataKeyInfos(this.#ring, await storedDataKeys(this.db));
  }

  /** The open LevelDB handle; EDC_ERR_STORE_FAILED (503) while a failed write has latched the store. */
  private get db(): LevelDb {
    return this.#handle.db;
  }

  get opener(): Opener {
    return this.#opener;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#running]);
    await this.#lock.run(() => this.#handle.close());
  }

  #write<R>(fn: (tx: Tx) => Promise<R>, commit: (result: R) => boolean = () => true): Promise<R> {
    return this.#lock.run(async () => {
      const tx = new Tx(this.db, this.#handle.flush);
      const result = await fn(tx);
      if (commit(result)) await tx.commit();
      return result;
    });
  }

  async addAgent(
    agent: T.NewAgent,
    options: { move: boolean; now: number; lookupKey: string },
  ): Promise<T.AgentRecord> {
    return this.#write(async (tx) => {
      this.#lookupKeys.delete(agent.agentId);
      return addAgentIntoTx(tx, agent, options);
    });
  }

  async getAgent(agentId: string): Promise<T.AgentRecord | undefined> {
    return getJson<T.AgentRecord>(this.db, k.agent(agentId));
  }

  async listAgents(query: { after?: string | undefined; limit: number }): Promise<T.Page<T.AgentRecord>> {
    return Q.page<T.AgentRecord>(this.db, [range('agent')], query.after, query.limit, (_key, v) => v);
  }

  async revokeAgent(agentId: string, now: number): Promise<T.AgentRecord> {
    return this.#write((tx) => revokeAgentIntoTx(tx, agentId, now));
  }

  async recordAgentContact(agentId: string, contact: T.AgentContactRecord): Promise<void> {
    return this.#write((tx) => recordContactIntoTx(tx, agentId, contact));
  }

  async agentContact(agentId: string): Promise<T.AgentContactRecord | undefined> {
    return agentContact(this.db, agentId);
  }

  async *agentKpms(agentId: string): AsyncIterable<string> {
    for await (const key of this.db.keys(range('akpm', agentId))) yield key.slice(k.agentKpm(agentId, '').length);
  }

  async head(agentId: string): Promise<ChainHead> {
    return (await getJson<ChainHead>(this.db, k.head(agentId))) ?? genesisHead;
  }

  /**
   * Uploads waiting for the write lock are applied together: each in turn against the state the
   * ones before it left (a savepoint undoes a refused one), then one synced batch for all, and
   * only then is any of them answered. Concurrent agents share an fsync instead of queueing for one each.
   */
  async ingest(agentId: string, entries: readonly LedgerEntry[], receivedAt: number): Promise<T.IngestOutcome> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ agentId, entries, receivedAt, resolve, reject });
      this.#drain();
    });
  }

  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    void this.#lock.run(async () => {
      while (this.#pending.length > 0) await this.#ingestGroup(this.#pending.splice(0, groupUploadsMax));
      this.#draining = false;
    });
  }

  async #ingestGroup(jobs: readonly IngestJob[]): Promise<void> {
    const sink = new MergingCounterSink();
    let tx: Tx;
    try {
      tx = new Tx(this.db, this.#handle.flush, sink);
    } catch (error) {
      for (const job of jobs) job.reject(error); // the store is failed (EDC_ERR_STORE_FAILED)
      return;
    }
    const settled: { job: IngestJob; outcome?: T.IngestOutcome; error?: unknown }[] = [];
    for (const job of jobs) {
      const mark = tx.mark();
      const sums = sink.mark();
      const rollback = () => (tx.rollback(mark), sink.rollback(sums));
      try {
        const agent = await tx.get<T.AgentRecord>(k.agent(job.agentId));
        if (agent === undefined)
          throw new ERR_AGENT_UNKNOWN(`Cannot ingest for ${job.agentId}: expected an enrolled agent, found none`);
        const outcome = await ingestIntoTx(tx, this.#ingestEnv, agent, job.entries, job.receivedAt);
        if (outcome.kind !== 'accepted' && outcome.kind !== 'fork') rollback();
        settled.push({ job, outcome });
      } catch (error) {
        rollback();
        settled.push({ job, error });
      }
    }
    try {
      await sink.mergeInto(tx);
      await tx.commit();
    } catch (error) {
      for (const { job } of settled) job.reject(error);
      return;
    }
    for (const { job, outcome, error } of settled) {
      if (outcome !== undefined) job.resolve(outcome);
      else job.reject(error);
    }
  }

  async recordTampered(
    agentId: string,
    entries: readonly LedgerEntry[],
    reason: string,
    receivedAt: number,
  ): Promise<void> {
    return this.#write((tx) =>
      recordEvidenceIntoTx(tx, this.#ingestEnv, agentId, 'tampered', {
        seq: entries[0]?.seq ?? 0,
        entries,
        reason,
        receivedAt,
      }),
    );
  }

  async recordFork(agentId: string, fork: T.ForkRecord): Promise<void> {
    return this.#write((tx) => recordEvidenceIntoTx(tx, this.#ingestEnv, agentId, 'fork', fork));
  }

  async putCheckpoint(record: T.CheckpointRecord): Promise<T.CheckpointPut> {
    return this.#write((tx) => putCheckpointIntoTx(tx, record));
  }

  async checkpointAt(agentId: string, seq: number): Promise<T.CheckpointRecord | undefined> {
    return checkpointAt(this.db, agentId, seq);
  }

  async lastCheckpoint(agentId: string): Promise<T.CheckpointRecord | undefined> {
    return lastCheckpoint(this.db, agentId);
  }

  async checkpointsFrom(agentId: string, fromSeq: number, limit: number): Promise<T.CheckpointRecord[]> {
    return checkpointsFrom(this.db, agentId, fromSeq, limit);
  }

  async entries(agentId: string, fromSeq: number, limit: number): Promise<LedgerEntry[]> {
    const out: LedgerEntry[] = [];
    for await (const [key, value] of this.db.iterator({
      gte: k.chain(agentId, fromSeq),
      lt: k.chain(agentId, Number.MAX_SAFE_INTEGER),
      limit,
    })) {
      const link = parseJson<ChainLink>(key, value);
      const seq = Number(key.split(sep)[2]);
      const stored = await getJson<StoredEntry>(this.db, k.entry(link.tahap, link.kpmId, agentId, seq));
      if (stored !== undefined) out.push(stored.entry);
    }
    return out;
  }

  async evidence(agentId: string, limit: number): Promise<T.EvidenceRecord[]> {
    const out: T.EvidenceRecord[] = [];
    for await (const [, pointer] of this.db.iterator({
      ...range('evda', agentId),
      limit: Math.min(limit, this.#ingestEnv.evidenceEntriesPerAgentMax),
    })) {
      const record = await getJson<StoredEvidence>(this.db, parseJson<string>('evda', pointer));
      if (record === undefined) continue;
      const { set: _set, ...evidence } = record;
      out.push(evidence);
    }
    return out;
  }

  async applyDisbursements(
    rows: readonly DisbursementRow[],
    options: { fileSha256: string; now: number },
  ): Promise<T.DisbursementOutcome> {
    return this.#write((tx) =>
      applyRowsIntoTx(tx, this.#env, { sealer: this.#sealer, hasher: this.#hasher }, rows, options),
    );
  }

  async importedFiles(tahap: string | undefined): Promise<T.ImportedFile[]> {
    const out: T.ImportedFile[] = [];
    for await (const [key, value] of this.db.iterator(range('file'))) {
      const f = parseJson<T.ImportedFile>(key, value);
      if (tahap === undefined || f.tahap === tahap) out.push(f);
    }
    return out;
  }

  async latestTahap(): Promise<string | undefined> {
    const keys = await this.db.keys({ ...range('tahap'), reverse: true, limit: 1 }).all();
    return keys[0]?.slice('tahap!'.length);
  }

  async entitlementSnapshot(agentId: string, tahap: string): Promise<T.EntitlementSnapshot> {
    return this.#lock.run(() => entitlementSnapshot(this.db, this.#env.matcher, agentId, tahap));
  }

  async recordEntitlementSet(set: T.EntitlementSetRecord): Promise<void> {
    return this.#write((tx) => recordSetIntoTx(tx, set));
  }

  async summary(tahap: string, filter: T.SummaryFilter): Promise<TahapCounters> {
    return Q.summary(this.db, tahap, filter);
  }

  async regionSummary(tahap: string, query: T.RegionSummaryQuery): Promise<T.Page<T.RegionCounters>> {
    return Q.regionSummary(this.db, tahap, query);
  }

  async positions(tahap: string, category: KpmCategory, query: T.PageQuery): Promise<T.Page<T.PositionView>> {
    return Q.positions(this.db, tahap, category, query);
  }

  async withdrawals(
    tahap: string,
    category: WithdrawalCategory,
    query: T.PageQuery,
  ): Promise<T.Page<T.WithdrawalView>> {
    return Q.withdrawals(this.db, tahap, category, query);
  }

  async withdrawalDays(tahap: string, filter: { readonly bank?: string | undefined }): Promise<T.WithdrawalDay[]> {
    return Q.withdrawalDays(this.db, tahap, filter);
  }

  async dayWithdrawals(tahap: string, localDate: string, query: T.PageQuery): Promise<T.Page<T.DayWithdrawalView>> {
    return Q.dayWithdrawals(this.db, tahap, localDate, query);
  }

  async settlements(tahap: string): Promise<Record<string, SettlementCounters>> {
    return Q.settlements(this.db, tahap);
  }

  async exceptions(tahap: string, query: T.ExceptionQuery): Promise<T.Page<T.ExceptionView>> {
    return Q.exceptions(this.db, tahap, query);
  }

  async exceptionAgeing(
    tahap: string,
    query: Omit<T.ExceptionQuery, 'age' | 'after' | 'limit'>,
    now: number,
  ): Promise<T.ExceptionAgeing> {
    return Q.exceptionAgeing(this.db, tahap, query, now);
  }

  async transitionException(id: string, change: T.ExceptionChange): Promise<T.ExceptionView> {
    return this.#write((tx) => transitionIntoTx(tx, this.#env, id, change, this.#ulid()));
  }

  async assignException(id: string, assignment: T.ExceptionAssignment): Promise<T.ExceptionView> {
    return this.#write((tx) => assignIntoTx(tx, id, assignment, this.#ulid()));
  }

  async appendAudit(record: Omit<T.AuditRecord, 'id'>): Promise<T.AuditRecord> {
    return this.#write(async (tx) => {
      const full: T.AuditRecord = { id: this.#ulid(), ...record };
      tx.put(k.audit(full.id), full);
      return Promise.resolve(full);
    });
  }

  async audit(query: { after?: string | undefined; limit: number }): Promise<T.Page<T.AuditRecord>> {
    return Q.page<T.AuditRecord>(this.db, [range('audit')], query.after, query.limit, (_key, v) => v);
  }

  failedCredits(tahap: string, query: { after?: string | undefined; limit: number }) {
    return failedCreditsPage(this.db, tahap, query);
  }

  async stepFailedCredit(id: T.FailedCreditId, step: T.FailedCreditStep): Promise<T.FailedCreditView> {
    return this.#write((tx) => stepFailedCreditIntoTx(tx, this.#env, id, step, this.#ulid()));
  }

  async findKpm(by: T.KpmLookupKind, value: string): Promise<string | undefined> {
    return findKpm(this.db, this.#hasher, by, value);
  }

  async kpmDossier(kpmId: string, options: { personal: boolean }): Promise<T.KpmDossier | undefined> {
    return kpmDossier(this.db, this.#env, this.#opener, kpmId, options);
  }

  async putToken(record: T.TokenRecord): Promise<void> {
    return this.#write(async (tx) => {
      tx.put(k.token(record.tokenSha256), record);
      return Promise.resolve();
    });
  }

  async getToken(tokenSha256: string): Promise<T.TokenRecord | undefined> {
    return getJson<T.TokenRecord>(this.db, k.token(tokenSha256));
  }

  async claimNonce(agentId: string, nonce: string, expiresAt: number, now: number): Promise<T.NonceClaim> {
    return this.#track(this.#nonces.claim(agentId, nonce, expiresAt, now));
  }

  /** Lets close() wait for work running outside the write lock. */
  #track<R>(run: Promise<R>): Promise<R> {
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run)).catch(() => undefined);
    return run;
  }

  /**
   * Reads one LevelDB snapshot taken between two writes (under the write lock, so never inside a
   * batch): the recompute, the stored state it is compared with and the inputs it records all
   * describe that one moment, while uploads and imports go on. Only storing the result writes.
   */
  async reconcile(tahap: string, now: number): Promise<T.ReconResult> {
    return this.#track(this.#reconcileAtSnapshot(tahap, now));
  }

  async #reconcileAtSnapshot(tahap: string, now: number): Promise<T.ReconResult> {
    const snapshot = await this.#lock.run(() => {
      if (this.db.status !== 'open') throw new ERR_STORE_CLOSED('Cannot reconcile: the gateway store is closed');
      return Promise.resolve(this.db.snapshot());
    });
    let result: T.ReconResult;
    try {
      const out = await recompute(this.db, this.#env, tahap, snapshot);
      await compareCounters(this.db, out, tahap, snapshot);
      const heads: Record<string, ChainHead> = {};
      for await (const [key, value] of this.db.iterator({ ...range('head'), snapshot }))
        heads[key.slice('head!'.length)] = parseJson<ChainHead>(key, value);
      const files: string[] = [];
      for await (const [key, value] of this.db.iterator({ ...range('file'), snapshot })) {
        const f = parseJson<T.ImportedFile>(key, value);
        if (f.tahap === tahap) files.push(f.fileSha256);
      }
      result = {
        id: this.#ulid(),
        tahap,
        at: now,
        agree: out.differences.length === 0,
        differences: out.differences,
        kpmCount: out.kpmCount,
        totals: out.buckets.totalCounters(),
        settlements: Object.fromEntries(out.settlements),
        inputs: { files: files.sort(), heads },
      };
    } finally {
      await snapshot.close();
    }
    return this.#write(async (tx) => {
      tx.put(k.recon(tahap, result.id), result);
      return Promise.resolve(result);
    });
  }

  async reconResults(tahap: string, limit: number): Promise<T.ReconResult[]> {
    const out: T.ReconResult[] = [];
    for await (const [key, value] of this.db.iterator({ ...range('recon', tahap), reverse: true, limit }))
      out.push(parseJson<T.ReconResult>(key, value));
    return out;
  }
}
