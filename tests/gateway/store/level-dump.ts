/**
 * LevelDB test helper: every key and value of a LevelDB store directory, for tests of the
 * LevelDB layout itself (what is stored in the clear, which keys a write touches). The store must
 * not be open elsewhere (LevelDB's lock). Comparisons of state between stores go through
 * observable.ts instead.
 */
import { ClassicLevel } from 'classic-level';

const dumpRecordsMax = 1_000_000;

export async function levelDump(path: string): Promise<Map<string, string>> {
  const db = new ClassicLevel<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  await db.open();
  try {
    const out = new Map<string, string>();
    for await (const [key, value] of db.iterator({ limit: dumpRecordsMax + 1 })) out.set(key, value);
    if (out.size > dumpRecordsMax) throw new Error(`levelDump refused: more than ${dumpRecordsMax} records`);
    return out;
  } finally {
    await db.close();
  }
}
