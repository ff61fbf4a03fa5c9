/**
 * The PostgreSQL implementation of GatewayStore, for N gateway replicas on one database. The
 * record modules of store/level/ (ingest, positions and their projection, agents, imports,
 * exceptions, queries, recompute) run unchanged over PgKv inside one PostgreSQL transaction per
 * write; the database, not a process, serialises what must be: every write runs SERIALIZABLE and
 * is retried whole on a serialization failure, an upload first locks its agent's rows
 * (SELECT ... FOR UPDATE) and chain inserts are unique per (agent, seq), so two replicas never both
 * extend one chain: the later one re-plans against the new head and keeps a differing branch as
 * fork evidence. Counters are sharded rows summed on read; nonces a shared table (nonces.ts).
 */
import pg from 'pg';
import { genesisHead, type ChainHead } from '../../../protocol/messages/signed.ts';
import type { LedgerEntry } from '../../../protocol/messages/schemas.ts';
import { ulidFactory } from '../../../protocol/ids.ts';
import { isEdcError } from '../../../protocol/errors.ts';
import { ERR_AGENT_UNKNOWN, ERR_DATA_KEY_UNKNOWN, ERR_STORE_CLOSED, ERR_STORE_CONFLICT } from '../../errors.ts';
import { Opener } from '../../crypto/fast-seal.ts';
import { DataKeyRing, EnvelopeSealer } from '../../crypto/envelope.ts';
import { KeyedHasher } from '../../crypto/keyed-hash.ts';
import { PanMatcher } from '../../crypto/pan-matcher.ts';
import type { DisbursementRow } from '../../import/types.ts';
import type { ReconEnv } from '../../recon/classify-raw.ts';
import type { SettlementCounters, TahapCounters } from '../../recon/counters.ts';
import type { KpmCategory, WithdrawalCategory } from '../../recon/classify.ts';
import { evidenceEntriesPerAgentMaxDefault } from '../../recon/evidence.ts';
import type * as T from '../types.ts';
import { addAgentIntoTx, revokeAgentIntoTx } from '../level/agents.ts';
import { agentContact, recordContactIntoTx } from '../level/contacts.ts';
import { rebuildBankCountersIntoTx } from '../level/bank-counters.ts';
import { getJson, parseJson, Tx, type Flush } from '../level/db.ts';
import { applyPlanIntoTx, readImportExisting } from '../level/disbursements.ts';
import { planImport } from '../level/import-plan.ts';
import { recordSetIntoTx } from '../level/entitlement-sets.ts';
import { entitlementSnapshot } from '../level/entitlements.ts';
import { assignIntoTx, transitionIntoTx } from '../level/exceptions.ts';
import { findKpm, kpmDossier } from '../level/dossier.ts';
import { failedCreditsPage, stepFailedCreditIntoTx } from '../level/failed-credits.ts';
import { addDataKeyIntoTx, dataKeyInfos, loadDataKeys, storedDataKeys } from '../level/data-keys.ts';
import { ingestIntoTx, recordEvidenceIntoTx, type IngestEnv } from '../level/ingest.ts';
import type { ChainLink, StoredEntry, StoredEvidence } from '../level/ingest.ts';
import { k, range } from '../level/keys.ts';
import { checkpointAt, checkpointsFrom, lastCheckpoint, putCheckpointIntoTx } from '../level/checkpoints.ts';
import * as Q from '../level/queries.ts';
import { compareCounters } from '../level/recompute.ts';
import { flushOps, PgKv, ShardSink } from './kv.ts';
import { importFlush } from './import.ts';
import { checkSchemaVersion, quoteIdent } from './migrate.ts';
import { PgNonces } from './nonces.ts';
import { recomputeSetBased } from './recompute.ts';
import { connecting, parsePgLocation } from './url.ts';
import { throwStoreFault } from './faults.ts';

export interface PgStoreOptions {
  /** postgres://... with an optional ?schema=name (url.ts). */
  readonly url: string;
  readonly sealPublicKey: string;
  readonly sealSecretKey: string;
  readonly lookupKey: string;
  readonly tahapClosesAt: Readonly<Record<string, number>>;
  readonly nonceEntriesMax?: number;
  readonly evidenceEntriesPerAgentMax?: number | undefined;
  /** Connections this replica holds at most; default 8. */
  readonly poolConnectionsMax?: number;
  /** Attempts of one write after serialization failures; default 60. */
  readonly transactionRetriesMax?: number;
  /** How long a request waits for a connection (a free one of the pool, or a new one opened), in ms; default 10000. */
  readonly poolConnectWaitMsMax?: number;
  readonly ulid?: () => string;
}

export const poolConnectionsMaxDefault = 8;
export const transactionRetriesMaxDefault = 60;
export const poolConnectWaitMsMaxDefault = 10_000;
/** The session's application_name (pg_stat_activity) unless the URL names one (?application_name=). */
export const applicationNameDefault = 'edc-gateway';
const nonceEntriesMaxDefault = 1_000_000;
/** Serialization failure, deadlock, and a unique key another transaction took first. */
const retryableCodes = new Set(['40001', '40P01', '23505']);

function retryable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return !isEdcError(error) && typeof code === 'string' && retryableCodes.has(code);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class PgStore implements T.GatewayStore {
  readonly #pool: pg.Pool;
  readonly #matcher: PanMatcher;
  readonly #opener: Opener;
  readonly #closesAt: Readonly<Record<string, number>>;
  readonly #evidenceMax: number;
  readonly #ring: DataKeyRing;
  readonly #sealer: EnvelopeSealer;
  readonly #hasher: KeyedHasher;
  readonly #ulid: () => string;
  readonly #kv: PgKv;
  readonly #nonces: PgNonces;
  readonly #lookupKeys = new Map<string, string>();
  readonly #running = new Set<Promise<unknown>>();
  readonly #retriesMax: number;
  #open = true;

  private constructor(
    pool: pg.Pool,
    readonly schema: string,
    options: PgStoreOptions,
  ) {
    this.#pool = pool;
    this.#ring = new DataKeyRing(options.sealSecretKey);
    this.#sealer = new EnvelopeSealer(this.#ring);
    this.#hasher = new KeyedHasher(options.lookupKey);
    this.#ulid = options.ulid ?? ulidFactory();
    this.#retriesMax = options.transactionRetriesMax ?? transactionRetriesMaxDefault;
    this.#kv = new PgKv(pool, () => this.#open);
    this.#nonces = new PgNonces(pool, options.nonceEntriesMax ?? nonceEntriesMaxDefault);
    this.#opener = new Opener(options.sealSecretKey, this.#ring);
    this.#matcher = new PanMatcher(this.#opener);
    this.#closesAt = options.tahapClosesAt;
    this.#evidenceMax = options.evidenceEntriesPerAgentMax ?? evidenceEntriesPerAgentMaxDefault;
  }

  /**
   * What classification needs, reading agents' look-up keys through `kv`: the connection of the
   * transaction or snapshot in progress. Taking a second pool connection there would deadlock
   * once every pooled connection holds a transaction that waits for one.
   */
  #envOn(kv: PgKv): ReconEnv {
    return {
      matcher: this.#matcher,
      lookupKey: (agentId) => this.#agentLookupKey(kv, agentId),
      closesAt: (tahap) => this.#closesAt[tahap],
    };
  }

  #ingestEnvOn(kv: PgKv): IngestEnv {
    return { recon: this.#envOn(kv), evidenceEntriesPerAgentMax: this.#evidenceMax };
  }

  /** Opens a pool on the URL's schema; refuses a schema not at this code's version (EDC_ERR_STORE_SCHEMA). */
  static async open(options: PgStoreOptions): Promise<PgStore> {
    const { connectionString, schema } = parsePgLocation(options.url);
    const pool = new pg.Pool({
      connectionString,
      application_name: applicationNameDefault,
      max: options.poolConnectionsMax ?? poolConnectionsMaxDefault,
      connectionTimeoutMillis: options.poolConnectWaitMsMax ?? poolConnectWaitMsMaxDefault,
      keepAlive: true,
      options: `-c search_path=${quoteIdent(schema)}`,
    });
    // An idle connection's error (server restart) is not thrown here: the next query fails and its caller sees it.
    pool.on('error', () => undefined);
    // Nor a lent connection's: node-postgres emits 'error' on a client whose connection ends (a
    // terminated backend), and the pool listens only while the client is idle; unheard, that event
    // would end the process. The query in flight rejects, the next one finds the client not queryable.
    pool.on('connect', (client) => client.on('error', () => undefined));
    try {
      const client = await connecting(connectionString, () => pool.connect());
      try {
        await checkSchemaVersion(client, schema);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end();
      throw error;
    }
    const store = new PgStore(pool, schema, options);
    try {
      await loadDataKeys(store.#kv, store.#ring);
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

  listDataKeys(): Promise<T.DataKeyInfo[]> {
    return this.#track(async () => dataKeyInfos(this.#ring, await storedDataKeys(this.#kv)));
  }

  /**
   * After EDC_ERR_DATA_KEY_UNKNOWN: another process (a replica, the CLI) may have rotated since
   * this one loaded its keys. Loads them again; true when that found one more, so the work is
   * worth running again (once).
   */
  async #reloadedDataKeys(error: unknown): Promise<boolean> {
    if (!isEdcError(error, ERR_DATA_KEY_UNKNOWN.code)) return false;
    const before = this.#ring.size;
    await loadDataKeys(this.#kv, this.#ring);
    return this.#ring.size > before;
  }

  async #agentLookupKey(kv: PgKv, agentId: string): Promise<string | undefined> {
    // Only known keys are kept: another replica may enrol the agent a moment later.
    const held = this.#lookupKeys.get(agentId);
    if (held !== undefined) return held;
    const agent = await getJson<T.AgentRecord>(kv, k.agent(agentId));
    if (agent !== undefined) this.#lookupKeys.set(agentId, agent.lookupKey);
    return agent?.lookupKey;
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    await Promise.allSettled([...this.#running]);
    this.#open = false;
    await this.#pool.end();
  }

  #track<R>(run: () => Promise<R>): Promise<R> {
    if (!this.#open) return Promise.reject(new ERR_STORE_CLOSED('Cannot use the gateway store: it is closed'));
    // A connection fault becomes the coded 503 (faults.ts); every other error stays as it is.
    const p = run().catch((error: unknown) => throwStoreFault(error));
    this.#running.add(p);
    void p.finally(() => this.#running.delete(p)).catch(() => undefined);
    return p;
  }

  /** Reads at one snapshot (REPEATABLE READ, read only): a page or a recompute sees whole writes only. */
  #read<R>(fn: (kv: PgKv) => Promise<R>): Promise<R> {
    return this.#track(() =>
      this.#readOnce(fn).catch(async (error: unknown) => {
        if (await this.#reloadedDataKeys(error)) return this.#readOnce(fn);
        throw error;
      }),
    );
  }

  async #readOnce<R>(fn: (kv: PgKv) => Promise<R>): Promise<R> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await fn(new PgKv(client, () => this.#open));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((e: unknown) => (broken = e as Error));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /**
   * One SERIALIZABLE transaction: `fn` plans its changes into a Tx (reads through the same
   * connection), which are written and committed only when `commit` says so. A serialization
   * failure runs `fn` again from the start, at most transactionRetriesMax times (then
   * EDC_ERR_STORE_CONFLICT, nothing changed). A connection fault is the 503 of faults.ts (never
   * retried here: at the COMMIT it is ambiguous). Any other error is thrown as it is (fail-stop).
   */
  #write<R>(
    fn: (tx: Tx, kv: PgKv) => Promise<R>,
    commit: (result: R) => boolean = () => true,
    flushFor: (client: pg.PoolClient) => Flush = (client) => (ops) => flushOps(client, ops),
  ): Promise<R> {
    return this.#track(async () => {
      let reloaded = false;
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.#attempt(fn, commit, flushFor);
        } catch (error) {
          if (!reloaded && (await this.#reloadedDataKeys(error))) {
            reloaded = true;
            continue;
          }
          if (!retryable(error)) throw error;
          if (attempt >= this.#retriesMax)
            throw new ERR_STORE_CONFLICT(
              `Cannot commit: ${attempt} attempts met concurrent writes (last: ${(error as Error).message})`,
              { attempts: attempt },
              error,
            );
          await pause(Math.random() * Math.min(200, 2 ** attempt));
        }
      }
    });
  }

  async #attempt<R>(
    fn: (tx: Tx, kv: PgKv) => Promise<R>,
    commit: (result: R) => boolean,
    flushFor: (client: pg.PoolClient) => Flush,
  ): Promise<R> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
      const sink = new ShardSink();
      const kv = new PgKv(client, () => this.#open);
      const tx = new Tx(kv, flushFor(client), sink);
      const result = await fn(tx, kv);
      if (commit(result)) {
        await tx.commit();
        await sink.flush(client);
        // A connection fault here is ambiguous: the server may have committed before the answer was lost.
        await client.query('COMMIT').catch((error: unknown) => throwStoreFault(error, true));
      } else await client.query('ROLLBACK');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((e: unknown) => (broken = e as Error));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  addAgent(agent: T.NewAgent, options: { move: boolean; now: number; lookupKey: string }): Promise<T.AgentRecord> {
    this.#lookupKeys.delete(agent.agentId);
    return this.#write((tx) => addAgentIntoTx(tx, agent, options));
  }

  getAgent(agentId: string): Promise<T.AgentRecord | undefined> {
    return this.#track(() => getJson<T.AgentRecord>(this.#kv, k.agent(agentId)));
  }

  listAgents(query: { after?: string | undefined; limit: number }): Promise<T.Page<T.AgentRecord>> {
    return this.#read((kv) => Q.page<T.AgentRecord>(kv, [range('agent')], query.after, query.limit, (_k, v) => v));
  }

  revokeAgent(agentId: string, now: number): Promise<T.AgentRecord> {
    return this.#write((tx) => revokeAgentIntoTx(tx, agentId, now));
  }

  recordAgentContact(agentId: string, contact: T.AgentContactRecord): Promise<void> {
    return this.#write((tx) => recordContactIntoTx(tx, agentId, contact));
  }

  agentContact(agentId: string): Promise<T.AgentContactRecord | undefined> {
    return this.#read((kv) => agentContact(kv, agentId));
  }

  async *agentKpms(agentId: string): AsyncIterable<string> {
    const kpms = await this.#read((kv) => kv.keys(range('akpm', agentId)).all());
    for (const key of kpms) yield key.slice(k.agentKpm(agentId, '').length);
  }

  async head(agentId: string): Promise<ChainHead> {
    return (await this.#track(() => getJson<ChainHead>(this.#kv, k.head(agentId)))) ?? genesisHead;
  }

  /** One transaction per upload; its agent's row and head row locked first, so uploads of one agent take turns. */
  ingest(agentId: string, entries: readonly LedgerEntry[], receivedAt: number): Promise<T.IngestOutcome> {
    return this.#write(
      async (tx, kv) => {
        const locked = await kv.query('SELECT key FROM kv WHERE key = $1 FOR UPDATE', [k.agent(agentId)]);
        if (locked.rowCount !== 1)
          throw new ERR_AGENT_UNKNOWN(`Cannot ingest for ${agentId}: expected an enrolled agent, found none`);
        await kv.query('SELECT key FROM chain_head WHERE agent_id = $1 FOR UPDATE', [agentId]);
        const agent = (await tx.get<T.AgentRecord>(k.agent(agentId)))!;
        return ingestIntoTx(tx, this.#ingestEnvOn(kv), agent, entries, receivedAt);
      },
      (outcome) => outcome.kind === 'accepted' || outcome.kind === 'fork',
    );
  }

  recordTampered(agentId: string, entries: readonly LedgerEntry[], reason: string, receivedAt: number): Promise<void> {
    return this.#write((tx, kv) =>
      recordEvidenceIntoTx(tx, this.#ingestEnvOn(kv), agentId, 'tampered', {
        seq: entries[0]?.seq ?? 0,
        entries,
        reason,
        receivedAt,
      }),
    );
  }

  recordFork(agentId: string, fork: T.ForkRecord): Promise<void> {
    return this.#write((tx, kv) => recordEvidenceIntoTx(tx, this.#ingestEnvOn(kv), agentId, 'fork', fork));
  }

  entries(agentId: string, fromSeq: number, limit: number): Promise<LedgerEntry[]> {
    return this.#read(async (kv) => {
      const res = await kv.query<{ key: string; seq: string; value: string }>(
        'SELECT key, seq, value FROM chain WHERE agent_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3',
        [agentId, fromSeq, limit],
      );
      const keys = res.rows.map((r) => {
        const link = parseJson<ChainLink>(r.key, r.value);
        return k.entry(link.tahap, link.kpmId, agentId, Number(r.seq));
      });
      const values = keys.length === 0 ? [] : await kv.getMany(keys);
      return values.flatMap((v, i) => (v === undefined ? [] : [parseJson<StoredEntry>(keys[i]!, v).entry]));
    });
  }

  evidence(agentId: string, limit: number): Promise<T.EvidenceRecord[]> {
    return this.#read(async (kv) => {
      const pointers: string[] = [];
      const max = Math.min(limit, this.#evidenceMax);
      for await (const [, p] of kv.iterator({ ...range('evda', agentId), limit: max }))
        pointers.push(parseJson<string>('evda', p));
      const values = pointers.length === 0 ? [] : await kv.getMany(pointers);
      return values.flatMap((v, i) => {
        if (v === undefined) return [];
        const { set: _set, ...record } = parseJson<StoredEvidence>(pointers[i]!, v);
        return [record];
      });
    });
  }

  applyDisbursements(
    rows: readonly DisbursementRow[],
    options: { fileSha256: string; now: number },
  ): Promise<T.DisbursementOutcome> {
    // The keys planned as new rows, for the COPY flush's insert-only check (refilled by each attempt).
    const fresh = new Set<string>();
    return this.#write(
      async (tx, kv) => {
        const existing = await readImportExisting(tx, rows, options.fileSha256);
        const seal = { sealer: this.#sealer, hasher: this.#hasher };
        const plan = await planImport(rows, existing, this.#envOn(kv), seal, options);
        await applyPlanIntoTx(tx, plan);
        fresh.clear();
        for (const key of plan.newRows) fresh.add(key);
        return plan.outcome;
      },
      undefined,
      (client) => importFlush(client, fresh),
    );
  }

  importedFiles(tahap: string | undefined): Promise<T.ImportedFile[]> {
    return this.#read(async (kv) => {
      const out: T.ImportedFile[] = [];
      for await (const [key, value] of kv.iterator(range('file'))) {
        const f = parseJson<T.ImportedFile>(key, value);
        if (tahap === undefined || f.tahap === tahap) out.push(f);
      }
      return out;
    });
  }

  async latestTahap(): Promise<string | undefined> {
    const keys = await this.#track(() => this.#kv.keys({ ...range('tahap'), reverse: true, limit: 1 }).all());
    return keys[0]?.slice('tahap!'.length);
  }

  entitlementSnapshot(agentId: string, tahap: string): Promise<T.EntitlementSnapshot> {
    return this.#read((kv) => entitlementSnapshot(kv, this.#matcher, agentId, tahap));
  }

  recordEntitlementSet(set: T.EntitlementSetRecord): Promise<void> {
    return this.#write((tx) => recordSetIntoTx(tx, set));
  }

  summary(tahap: string, filter: T.SummaryFilter): Promise<TahapCounters> {
    return this.#read((kv) => Q.summary(kv, tahap, filter));
  }

  positions(tahap: string, category: KpmCategory, query: T.PageQuery): Promise<T.Page<T.PositionView>> {
    return this.#read((kv) => Q.positions(kv, tahap, category, query));
  }

  withdrawals(tahap: string, category: WithdrawalCategory, query: T.PageQuery): Promise<T.Page<T.WithdrawalView>> {
    return this.#read((kv) => Q.withdrawals(kv, tahap, category, query));
  }

  withdrawalDays(tahap: string, filter: { readonly bank?: string | undefined }): Promise<T.WithdrawalDay[]> {
    return this.#read((kv) => Q.withdrawalDays(kv, tahap, filter));
  }

  dayWithdrawals(tahap: string, localDate: string, query: T.PageQuery): Promise<T.Page<T.DayWithdrawalView>> {
    return this.#read((kv) => Q.dayWithdrawals(kv, tahap, localDate, query));
  }

  settlements(tahap: string): Promise<Record<string, SettlementCounters>> {
    return this.#read((kv) => Q.settlements(kv, tahap));
  }

  exceptions(tahap: string, query: T.ExceptionQuery): Promise<T.Page<T.ExceptionView>> {
    return this.#read((kv) => Q.exceptions(kv, tahap, query));
  }

  exceptionAgeing(
    tahap: string,
    query: Omit<T.ExceptionQuery, 'age' | 'after' | 'limit'>,
    now: number,
  ): Promise<T.ExceptionAgeing> {
    return this.#read((kv) => Q.exceptionAgeing(kv, tahap, query, now));
  }

  regionSummary(tahap: string, query: T.RegionSummaryQuery): Promise<T.Page<T.RegionCounters>> {
    return this.#read((kv) => Q.regionSummary(kv, tahap, query));
  }

  assignException(id: string, assignment: T.ExceptionAssignment): Promise<T.ExceptionView> {
    return this.#write((tx) => assignIntoTx(tx, id, assignment, this.#ulid()));
  }

  failedCredits(tahap: string, query: { after?: string | undefined; limit: number }) {
    return this.#read((kv) => failedCreditsPage(kv, tahap, query));
  }

  stepFailedCredit(id: T.FailedCreditId, step: T.FailedCreditStep): Promise<T.FailedCreditView> {
    return this.#write((tx, kv) => stepFailedCreditIntoTx(tx, this.#envOn(kv), id, step, this.#ulid()));
  }

  findKpm(by: T.KpmLookupKind, value: string): Promise<string | undefined> {
    return this.#read((kv) => findKpm(kv, this.#hasher, by, value));
  }

  kpmDossier(kpmId: string, options: { personal: boolean }): Promise<T.KpmDossier | undefined> {
    return this.#read((kv) => kpmDossier(kv, this.#envOn(kv), this.#opener, kpmId, options));
  }

  transitionException(id: string, change: T.ExceptionChange): Promise<T.ExceptionView> {
    return this.#write((tx, kv) => transitionIntoTx(tx, this.#envOn(kv), id, change, this.#ulid()));
  }

  appendAudit(record: Omit<T.AuditRecord, 'id'>): Promise<T.AuditRecord> {
    const full: T.AuditRecord = { id: this.#ulid(), ...record };
    return this.#write((tx) => {
      tx.put(k.audit(full.id), full);
      return Promise.resolve(full);
    });
  }

  audit(query: { after?: string | undefined; limit: number }): Promise<T.Page<T.AuditRecord>> {
    return this.#read((kv) => Q.page<T.AuditRecord>(kv, [range('audit')], query.after, query.limit, (_k, v) => v));
  }

  putToken(record: T.TokenRecord): Promise<void> {
    return this.#write((tx) => {
      tx.put(k.token(record.tokenSha256), record);
      return Promise.resolve();
    });
  }

  getToken(tokenSha256: string): Promise<T.TokenRecord | undefined> {
    return this.#track(() => getJson<T.TokenRecord>(this.#kv, k.token(tokenSha256)));
  }

  claimNonce(agentId: string, nonce: string, expiresAt: number, now: number): Promise<T.NonceClaim> {
    return this.#track(() => this.#nonces.claim(agentId, nonce, expiresAt, now));
  }

  /** The recompute, the stored figures it is compared with and the inputs it records: one snapshot. */
  putCheckpoint(record: T.CheckpointRecord): Promise<T.CheckpointPut> {
    return this.#write((tx) => putCheckpointIntoTx(tx, record));
  }

  checkpointAt(agentId: string, seq: number): Promise<T.CheckpointRecord | undefined> {
    return this.#read((kv) => checkpointAt(kv, agentId, seq));
  }

  lastCheckpoint(agentId: string): Promise<T.CheckpointRecord | undefined> {
    return this.#read((kv) => lastCheckpoint(kv, agentId));
  }

  checkpointsFrom(agentId: string, fromSeq: number, limit: number): Promise<T.CheckpointRecord[]> {
    return this.#read((kv) => checkpointsFrom(kv, agentId, fromSeq, limit));
  }

  async reconcile(tahap: string, now: number): Promise<T.ReconResult> {
    const result = await this.#read(async (kv): Promise<T.ReconResult> => {
      const out = await recomputeSetBased(kv, this.#envOn(kv), tahap);
      await compareCounters(kv, out, tahap, undefined);
      const heads: Record<string, ChainHead> = {};
      for await (const [key, value] of kv.iterator(range('head')))
        heads[key.slice('head!'.length)] = parseJson<ChainHead>(key, value);
      const files: string[] = [];
      for await (const [key, value] of kv.iterator(range('file'))) {
        const f = parseJson<T.ImportedFile>(key, value);
        if (f.tahap === tahap) files.push(f.fileSha256);
      }
      return {
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
    });
    return this.#write((tx) => {
      tx.put(k.recon(tahap, result.id), result);
      return Promise.resolve(result);
    });
  }

  reconResults(tahap: string, limit: number): Promise<T.ReconResult[]> {
    return this.#read(async (kv) => {
      const out: T.ReconResult[] = [];
      for await (const [key, value] of kv.iterator({ ...range('recon', tahap), reverse: true, limit }))
        out.push(parseJson<T.ReconResult>(key, value));
      return out;
    });
  }
}
