import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentErrors } from '../../../agent/errors.ts';
import { coreErrors } from '../../../agent/core/errors.ts';

const doc = readFileSync(resolve(import.meta.dirname, '../../../docs/agent-errors.md'), 'utf8');
const documented = [...doc.matchAll(/^\| `(EDC_ERR_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]);

describe('agent error registry', () => {
  it('docs/agent-errors.md lists exactly the codes of agentErrors, each once', () => {
    expect([...documented].sort()).toEqual(Object.keys(agentErrors).sort());
    expect(new Set(documented).size).toBe(documented.length);
  });

  it('includes every core error and each has a description', () => {
    for (const ctor of Object.values(coreErrors)) {
      expect(agentErrors[ctor.code]).toBe(ctor);
      expect(ctor.description.length).toBeGreaterThan(10);
    }
  });
});
