import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { simulatorErrorRegistry } from '../../../simulators/errors.ts';

describe('simulators error registry', () => {
  it('simulators/README.md lists exactly the codes of simulators/errors.ts, with their descriptions', async () => {
    const readme = await readFile(new URL('../../../simulators/README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Error codes'));
    const documented = new Map(
      [...section.matchAll(/^\| `(EDC_ERR_[A-Z0-9_]+)` \| (.+) \|$/gm)].map((m) => [m[1]!, m[2]!]),
    );
    const registered = new Map(Object.values(simulatorErrorRegistry).map((ctor) => [ctor.code, ctor.description]));
    expect(documented).toEqual(registered);
  });
});
