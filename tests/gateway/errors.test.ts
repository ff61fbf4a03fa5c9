import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gatewayErrors, gatewayErrorRegistry } from '../../gateway/errors.ts';
import { importErrors } from '../../gateway/import/errors.ts';
import { indonesianSummaries } from '../../gateway/cli/messages-id.ts';

const readme = readFileSync(new URL('../../gateway/README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Error codes'), readme.indexOf('## Benchmarks'));
const documented = [...section.matchAll(/^\| `(EDC_ERR_[A-Z0-9_]+)` \| (\d{3}) \| (.+) \|$/gm)].map((m) => ({
  code: m[1]!,
  status: Number(m[2]),
  description: m[3]!,
}));

describe('gateway error registry', () => {
  it('lists in gateway/README.md exactly the codes of gateway/errors.ts, with their statuses and descriptions', () => {
    const registry = Object.values(gatewayErrors).map((c) => ({
      code: c.code,
      status: c.statusCode,
      description: c.description,
    }));
    expect(documented.length).toBeGreaterThan(0);
    expect([...documented].sort((a, b) => a.code.localeCompare(b.code))).toEqual(
      [...registry].sort((a, b) => a.code.localeCompare(b.code)),
    );
  });

  it('has a Bahasa Indonesia summary for every code, for the command line (gateway/cli/messages-id.ts)', () => {
    expect(Object.keys(indonesianSummaries).sort()).toEqual(Object.keys(gatewayErrorRegistry).sort());
    for (const text of Object.values(indonesianSummaries)) expect(text).not.toContain(' / ');
  });

  it('aggregates the import sub-area without a code defined twice', () => {
    expect(Object.keys(gatewayErrorRegistry).length).toBe(
      Object.keys(gatewayErrors).length + Object.keys(importErrors).length,
    );
  });

  it("protocol/README.md's table of HTTP answers names only gateway codes, each with its status", () => {
    const protocol = readFileSync(new URL('../../protocol/README.md', import.meta.url), 'utf8');
    const start = protocol.indexOf('### HTTP answers to agent requests');
    const table = protocol.slice(start, protocol.indexOf('\n### ', start + 1));
    const rows = [...table.matchAll(/^\| (\d{3}) \| ([^|]*) \|/gm)].map((m) => ({
      status: Number(m[1]),
      codes: m[2]!.match(/EDC_ERR_[A-Z0-9_]+/g) ?? [],
    }));
    const named = rows.flatMap((r) => r.codes.map((code) => ({ code, status: r.status })));
    expect(named.map((n) => n.code)).toContain('EDC_ERR_MEDIA_TYPE');
    for (const { code, status } of named) expect(gatewayErrorRegistry[code]?.statusCode, code).toBe(status);
  });

  it('uses the statuses the agent HTTP contract fixes', () => {
    expect(Object.fromEntries(Object.values(gatewayErrors).map((c) => [c.code, c.statusCode]))).toMatchObject({
      EDC_ERR_BODY_INVALID: 400,
      EDC_ERR_AUTH_SIGNATURE: 401,
      EDC_ERR_AUTH_TIMESTAMP: 401,
      EDC_ERR_AUTH_REPLAY: 401,
      EDC_ERR_AUTH_AGENT: 403,
      EDC_ERR_UPLOAD_FORK: 409,
      EDC_ERR_UPLOAD_GAP: 409,
      EDC_ERR_UPLOAD_ENTRY_INVALID: 422,
      EDC_ERR_BODY_TOO_LARGE: 413,
      EDC_ERR_MEDIA_TYPE: 415,
      EDC_ERR_RATE_LIMITED: 429,
      EDC_ERR_UNAVAILABLE: 503,
    });
  });
});
