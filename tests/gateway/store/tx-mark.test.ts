import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { levelFlush, openDb, Tx, type LevelDb } from '../../../gateway/store/level/db.ts';

let dir: string;
let db: LevelDb;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edc-tx-mark-'));
  db = await openDb(join(dir, 'db'));
  await db.batch([
    { type: 'put', key: 'a', value: '"stored-a"' },
    { type: 'put', key: 'b', value: '"stored-b"' },
  ]);
});

afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

async function stored(): Promise<Record<string, string>> {
  return Object.fromEntries(await db.iterator({}).all());
}

describe('Tx savepoints (an ingest group rolls back one refused upload)', () => {
  it('rollback(mark) restores overwritten, deleted and new keys to what they were at the mark', async () => {
    const tx = new Tx(db, levelFlush(db));
    tx.put('a', 'group-a');
    tx.put('c', 'group-c');
    const mark = tx.mark();
    tx.put('a', 'refused-a'); // overwrites a value of the group
    tx.put('a', 'refused-a2');
    tx.del('b'); // deletes a stored key
    tx.del('c'); // deletes a key of the group
    tx.put('d', 'refused-d'); // a new key
    expect(await tx.get('a')).toBe('refused-a2');
    tx.rollback(mark);
    expect(await tx.get('a')).toBe('group-a');
    expect(await tx.get('b')).toBe('stored-b');
    expect(await tx.get('c')).toBe('group-c');
    expect(await tx.get('d')).toBeUndefined();
    expect([...tx.ops.keys()]).toEqual(['a', 'c']);
    await tx.commit();
    expect(await stored()).toEqual({ a: '"group-a"', b: '"stored-b"', c: '"group-c"' });
  });

  it('keeps what was written between marks when a later upload rolls back', async () => {
    const tx = new Tx(db, levelFlush(db));
    const first = tx.mark();
    tx.put('e', 1);
    const second = tx.mark();
    tx.put('e', 2);
    tx.put('f', 2);
    tx.rollback(second);
    const third = tx.mark();
    tx.put('g', 3);
    tx.rollback(third);
    tx.put('h', 4);
    await tx.commit();
    expect(await stored()).toMatchObject({ e: '1', h: '4' });
    expect(Object.keys(await stored()).sort()).toEqual(['a', 'b', 'e', 'h']);
    tx.rollback(first);
    expect(tx.ops.size).toBe(0);
  });

  it('refuses a mark that is not one of its own (a later one of another Tx)', () => {
    const other = new Tx(db, levelFlush(db));
    other.mark();
    other.put('x', 1);
    const foreign = other.mark();
    const tx = new Tx(db, levelFlush(db));
    expect(() => tx.rollback(foreign)).toThrow(/not a mark of this Tx/);
  });
});
