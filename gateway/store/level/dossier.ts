/**
 * Complaint look-up over the LevelDB layout: `nikh!`/`panh!` map a keyed hash to the KPM whose
 * row last held it; the KPM's positions (`pos!T!kpm`, one per tahap in `tahap!`) hold its raw
 * facts, which recon/dossier.ts turns into the record staff read.
 */
import type { KeyedHasher } from '../../crypto/keyed-hash.ts';
import type { Opener } from '../../crypto/fast-seal.ts';
import { classifyRaw, type ReconEnv } from '../../recon/classify-raw.ts';
import { cardsLast4, tahapRecord } from '../../recon/dossier.ts';
import type { RawFacts } from '../../recon/facts.ts';
import type { KpmDossier, KpmLookupKind, KpmPersonal, KpmTahapRecord } from '../api/kpm.ts';
import { getJson, type Db } from './db.ts';
import type { ExceptionRecord } from './exception-view.ts';
import { k, range } from './keys.ts';
import { decodePosition } from './position-codec.ts';

export async function findKpm(
  db: Db,
  hasher: KeyedHasher,
  by: KpmLookupKind,
  value: string,
): Promise<string | undefined> {
  const hmac = hasher.hash(value);
  return getJson<string>(db, by === 'nik' ? k.nikIndex(hmac) : k.panIndex(hmac));
}

function personalOf(
  opener: Opener,
  records: readonly KpmTahapRecord[],
  raws: readonly RawFacts[],
): KpmPersonal | undefined {
  let name: string | undefined;
  let nik: string | undefined;
  const pans: string[] = [];
  for (const raw of raws)
    for (const row of raw.rows) {
      const opened = opener.open(row.panSealed);
      if (opened === undefined) continue;
      const data = JSON.parse(opened) as { pan: string; nik: string; name: string };
      ({ name, nik } = data);
      pans.push(data.pan);
    }
  if (name === undefined || nik === undefined || records.length === 0) return undefined;
  return { name, nik, cardsLast4: cardsLast4(pans) };
}

export async function kpmDossier(
  db: Db,
  env: ReconEnv,
  opener: Opener,
  kpmId: string,
  options: { readonly personal: boolean },
): Promise<KpmDossier | undefined> {
  const raws: RawFacts[] = [];
  for await (const key of db.keys(range('tahap'))) {
    const posKey = k.position(key.slice('tahap!'.length), kpmId);
    const stored = await getJson<unknown>(db, posKey);
    if (stored !== undefined) raws.push(decodePosition(posKey, stored));
  }
  if (raws.length === 0) return undefined;
  const read = (id: string) => getJson<ExceptionRecord>(db, k.exception(id));
  const tahaps: KpmTahapRecord[] = [];
  for (const raw of raws) tahaps.push(await tahapRecord(raw, await classifyRaw(raw, env), read));
  return { kpmId, tahaps, personal: options.personal ? personalOf(opener, tahaps, raws) : undefined };
}
