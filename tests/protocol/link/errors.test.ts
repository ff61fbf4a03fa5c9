import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EdcError, errorRegistry } from '../../../protocol/errors.ts';
import { linkErrors } from '../../../protocol/link/index.ts';
import { assertLink } from '../../../protocol/link/errors.ts';
import { propertyRuns } from './helpers.ts';

const spec = readFileSync(resolve(import.meta.dirname, '../../../protocol/README.md'), 'utf8');

describe('link error registry', () => {
  const codes = Object.values(linkErrors).map((ctor) => ctor.code);

  it('gives each constructor a unique EDC_ERR_ code and a description', () => {
    expect(Object.keys(errorRegistry(linkErrors))).toHaveLength(codes.length);
    for (const ctor of Object.values(linkErrors)) {
      expect(ctor.code).toMatch(/^EDC_ERR_(FRAME|LINK)_[A-Z_]+$/);
      expect(ctor.description.length).toBeGreaterThan(20);
    }
  });

  it('lists in protocol/README.md exactly the codes the registry defines', () => {
    const documented = new Set([...spec.matchAll(/\| `(EDC_ERR_(?:FRAME|LINK)_[A-Z0-9_]+)` \|/g)].map((m) => m[1]));
    expect([...documented].sort()).toEqual([...codes].sort());
  });

  it('builds errors that are EdcError with code, details and cause', () => {
    const cause = new Error('port gone');
    const error = new linkErrors.ERR_LINK_WRITE_FAILED('Send failed', { tries: 1 }, cause);
    expect(error).toBeInstanceOf(EdcError);
    expect(error).toMatchObject({ code: 'EDC_ERR_LINK_WRITE_FAILED', details: { tries: 1 }, cause });
  });

  it('assertLink() throws EDC_ERR_LINK_INVARIANT when its condition is false, and nothing otherwise', () => {
    expect(() => assertLink(true, 'fine')).not.toThrow();
    expect(() => assertLink(false, 'broken', { at: 1 })).toThrow(
      expect.objectContaining({ code: 'EDC_ERR_LINK_INVARIANT', details: { at: 1 } }),
    );
  });
});

describe('link property tests', () => {
  it('run at least 40,000 fast-check cases in all', () => {
    const total = Object.values(propertyRuns).reduce((sum, runs) => sum + runs, 0);
    expect(total).toBeGreaterThanOrEqual(40_000);
  });
});
