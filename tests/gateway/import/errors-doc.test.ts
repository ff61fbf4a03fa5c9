import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fatalImportCodes, importErrors } from '../../../gateway/import/index.ts';

const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'gateway', 'import', 'README.md'), 'utf8');

describe('importErrors registry', () => {
  it('lists exactly the codes documented in gateway/import/README.md', () => {
    const documented = new Set([...readme.matchAll(/`(EDC_ERR_IMPORT_[A-Z0-9_]+)`/g)].map((m) => m[1]!));
    const registered = new Set(Object.values(importErrors).map((ctor) => ctor.code));
    expect([...registered].sort()).toEqual([...documented].sort());
  });

  it('gives every constructor a description and a code matching its key', () => {
    for (const [key, ctor] of Object.entries(importErrors)) {
      expect(ctor.code).toBe(`EDC_${key}`);
      expect(ctor.description.length).toBeGreaterThan(20);
    }
  });

  it('documents the fatal codes under the fatal heading and only those', () => {
    const fatalSection = readme.slice(readme.indexOf('Fatal rejects'), readme.indexOf('Row rejects'));
    const documented = new Set([...fatalSection.matchAll(/`(EDC_ERR_IMPORT_[A-Z0-9_]+)`/g)].map((m) => m[1]!));
    expect([...documented].sort()).toEqual([...fatalImportCodes].sort());
  });
});
