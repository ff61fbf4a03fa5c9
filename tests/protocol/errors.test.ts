import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EdcError, defineError, errorRegistry, isEdcError } from '../../protocol/errors.ts';
import { protocolErrors } from '../../protocol/index.ts';

const readme = readFileSync(resolve(import.meta.dirname, '../../protocol/README.md'), 'utf8');

describe('protocol error registry', () => {
  it('protocol/README.md documents exactly the codes protocol/ defines, no more and no fewer', () => {
    // Part 3's table of HTTP answers names the gateway's codes; tests/gateway/errors.test.ts holds it.
    const start = readme.indexOf('### HTTP answers to agent requests');
    const own = readme.slice(0, start) + readme.slice(readme.indexOf('\n### ', start + 1));
    const documented = new Set(own.match(/EDC_ERR_[A-Z0-9_]+/g));
    documented.delete('EDC_ERR_'); // the prefix named in prose
    expect([...documented].sort()).toEqual(Object.keys(protocolErrors).sort());
  });

  it('every constructor carries its code, an HTTP status and a description', () => {
    for (const [code, ctor] of Object.entries(protocolErrors)) {
      expect(ctor.code).toBe(code);
      expect(ctor.statusCode).toBeGreaterThanOrEqual(400);
      expect(ctor.description.length).toBeGreaterThan(10);
    }
  });

  it('defineError() builds EdcErrors with code, details and cause, and refuses a malformed code', () => {
    const ERR_X = defineError('EDC_ERR_TEST_X', 'a test error', 409);
    const cause = new Error('disk');
    const error = new ERR_X('Cannot do x: expected 1, found 2', { seq: 4 }, cause);
    expect(error).toBeInstanceOf(EdcError);
    expect(error).toMatchObject({ code: 'EDC_ERR_TEST_X', statusCode: 409, details: { seq: 4 }, cause });
    expect(isEdcError(error, 'EDC_ERR_TEST_X')).toBe(true);
    expect(isEdcError(new Error('x'))).toBe(false);
    expect(() => defineError('ERR_NOPE', 'bad')).toThrow(/EDC_ERR_/);
  });

  it('errorRegistry() refuses two constructors with one code', () => {
    const a = defineError('EDC_ERR_TEST_DUP', 'one');
    const b = defineError('EDC_ERR_TEST_DUP', 'two');
    expect(() => errorRegistry({ a }, { b })).toThrow(/defined twice/);
  });
});
