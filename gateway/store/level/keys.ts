/**
 * LevelDB key layout. Components are joined with '!' (0x21), which sorts below every character
 * an id, tahap, bank or region may hold, so key order equals component-by-component order and
 * streams over different prefixes (rows, entries, positions) meet in the same kpmId order: the
 * recompute merges them in one pass with bounded memory. Sequence numbers are zero-padded.
 */
export const sep = '!';

export function seq16(seq: number): string {
  return String(seq).padStart(16, '0');
}

export function key(...parts: readonly (string | number)[]): string {
  return parts.join(sep);
}

/** Range covering every key that starts with prefix + sep. */
export function range(...parts: readonly (string | number)[]): { gt: string; lt: string } {
  const p = key(...parts) + sep;
  return { gt: p, lt: p + '\uffff' };
}

export const k = {
  agent: (agentId: string) => key('agent', agentId),
  alloc: (kpmId: string) => key('alloc', kpmId),
  agentKpm: (agentId: string, kpmId: string) => key('akpm', agentId, kpmId),
  head: (agentId: string) => key('head', agentId),
  /** An agent's last contact with the gateway (written at most once a minute). */
  contact: (agentId: string) => key('contact', agentId),
  /** A verified SMS checkpoint by agent and seq. */
  checkpoint: (agentId: string, seq: number) => key('ckpt', agentId, seq16(seq)),
  chain: (agentId: string, seq: number) => key('chain', agentId, seq16(seq)),
  entry: (tahap: string, kpmId: string, agentId: string, seq: number) => key('ent', tahap, kpmId, agentId, seq16(seq)),
  /** Evidence by its evidence hash (recon/evidence.ts), never by the hash the entry claims. */
  evidence: (tahap: string, kpmId: string, agentId: string, evidenceHash: string) =>
    key('evd', tahap, kpmId, agentId, evidenceHash),
  evidenceByAgent: (agentId: string, evidenceHash: string) => key('evda', agentId, evidenceHash),
  evidenceCount: (agentId: string) => key('evdn', agentId),
  /** A kept fork entry (valid hash) by seq: what a branch's next upload links to. */
  forkEntry: (agentId: string, seq: number, hash: string) => key('evdf', agentId, seq16(seq), hash),
  /** A reconciler's resolution of a withdrawal's exception: a fact of its KPM (recompute reads it). */
  resolution: (tahap: string, kpmId: string, ref: string) => key('res', tahap, kpmId, ref),
  row: (tahap: string, kpmId: string, bank: string, reference: string) => key('drow', tahap, kpmId, bank, reference),
  panIndex: (hmac: string) => key('panh', hmac),
  nikIndex: (hmac: string) => key('nikh', hmac),
  file: (sha: string) => key('file', sha),
  tahap: (tahap: string) => key('tahap', tahap),
  entitlementSet: (setId: string) => key('eset', setId),
  /** Sets issued to the agent so far (each set's ordinal). */
  setOrdinal: (agentId: string) => key('esn', agentId),
  /** What a set granted a KPM, written only when it changes: the latest at or before a set's ordinal holds. */
  setHistory: (agentId: string, kpmId: string, ordinal: number) => key('esh', agentId, kpmId, seq16(ordinal)),
  /** What the agent's latest set granted each KPM it lists. */
  setCurrent: (agentId: string, kpmId: string) => key('escur', agentId, kpmId),
  position: (tahap: string, kpmId: string) => key('pos', tahap, kpmId),
  counters: (tahap: string, bank: string, region: string) => key('ctr', tahap, bank, region),
  settlement: (tahap: string, agentId: string) => key('stl', tahap, agentId),
  /** Claimed withdrawals of one bank on one local date (MMDD): recon/counters.ts DayCounters. */
  dayCounters: (tahap: string, bank: string, localDate: string) => key('dctr', tahap, bank, localDate),
  /** A claimed withdrawal by its local date and its KPM's bank: the day chart's drill-down. */
  dayWithdrawal: (tahap: string, localDate: string, bank: string, agentId: string, seq: number, ref: string) =>
    key('wday', tahap, localDate, bank, agentId, seq16(seq), ref),
  kpmCategory: (tahap: string, category: string, kpmId: string) => key('kcat', tahap, category, kpmId),
  withdrawalCategory: (tahap: string, category: string, agentId: string, seq: number, ref: string) =>
    key('wcat', tahap, category, agentId, seq16(seq), ref),
  exception: (id: string) => key('exc', id),
  audit: (id: string) => key('audit', id),
  token: (sha: string) => key('tok', sha),
  recon: (tahap: string, id: string) => key('recon', tahap, id),
  /** id = agentId!nonce; expiry first so that expired nonces are one range. */
  nonce: (expiresAt: number, id: string) => key('nonce', seq16(expiresAt), id),
};
