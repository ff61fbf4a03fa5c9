/**
 * gateway/README.md documents the counters' JSON for an outside implementation: its example must
 * be exactly the shape the staff API answers (the strict response schema), and balance.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TahapCounters } from '../../gateway/http/routes/counter-schemas.ts';
import { emptyTahapCounters, isBalanced, tahapEntries } from '../../gateway/recon/counters.ts';

describe('gateway/README.md counters', () => {
  it('the tahap counters example parses with the strict response schema, lists every field, and balances', async () => {
    const readme = await readFile(resolve(import.meta.dirname, '../../gateway/README.md'), 'utf8');
    const block = /Tahap counters[^\n]*\n\n```json\n([\s\S]*?)```/.exec(readme);
    expect(block).not.toBeNull();
    const example = TahapCounters.parse(JSON.parse(block![1]!));
    expect(tahapEntries(example).map(([path]) => path)).toEqual(tahapEntries(emptyTahapCounters()).map(([p]) => p));
    expect(Object.keys(example)).toEqual(Object.keys(emptyTahapCounters()));
    expect(isBalanced(example)).toBe(true);
  });
});
