import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliErrors } from '../../../agent/cli/errors.ts';
import { configErrors } from '../../../agent/config-errors.ts';
import { forwardErrors } from '../../../agent/forward/errors.ts';
import { linkErrors } from '../../../agent/link/errors.ts';
import { statusErrors } from '../../../agent/status/errors.ts';

describe('agent/README.md error codes', () => {
  it('lists exactly the codes of the link, forward, status, configuration and CLI registries', () => {
    const readme = readFileSync(resolve(import.meta.dirname, '../../../agent/README.md'), 'utf8');
    const section = readme.split('## Error codes')[1]?.split('\n## ')[0] ?? '';
    const documented = [...section.matchAll(/^\| `(EDC_ERR_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]).sort();
    const groups: ReadonlyArray<Record<string, { readonly code: string }>> = [
      linkErrors,
      forwardErrors,
      statusErrors,
      configErrors,
      cliErrors,
    ];
    const registered = groups.flatMap((group) => Object.values(group).map((ctor): string => ctor.code)).sort();
    expect(documented).toEqual(registered);
  });
});
