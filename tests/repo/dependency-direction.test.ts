import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The architecture's dependency direction: protocol <- agent, gateway <- simulators <- tests.
 * protocol imports nothing of ours; agent and gateway import only protocol (never each other);
 * simulators and bench may import agent, gateway and protocol; nothing imports tests.
 */
const root = resolve(import.meta.dirname, '..', '..');
const allowed: Record<string, readonly string[]> = {
  protocol: [],
  // web/: browser pages and the bundler that serves them; the agent and the gateway import only web/bundle.ts.
  web: [],
  agent: ['protocol', 'web'],
  gateway: ['protocol', 'web'],
  simulators: ['protocol', 'agent', 'gateway'],
  bench: ['protocol', 'agent', 'gateway', 'simulators'],
  tests: ['protocol', 'agent', 'gateway', 'simulators', 'bench', 'web'],
};
const parts = Object.keys(allowed);

function sourceFiles(dir: string): string[] {
  let out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(sourceFiles(path));
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(name)) out.push(path);
  }
  return out;
}

const importPattern = /(?:from\s+|import\s*\(\s*|import\s+|require\s*\(\s*)['"]([^'"]+)['"]/g;

function importedParts(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(importPattern)) {
    const spec = match[1]!;
    if (!spec.startsWith('.')) continue;
    const target = relative(root, resolve(file, '..', spec));
    const top = target.split(sep)[0]!;
    if (parts.includes(top)) found.push(top);
  }
  return found;
}

describe('dependency direction', () => {
  for (const part of parts) {
    it(`${part}/ imports only ${allowed[part]!.length ? allowed[part]!.join(', ') : 'nothing of ours'}`, () => {
      const violations: string[] = [];
      for (const file of sourceFiles(join(root, part))) {
        for (const top of importedParts(file)) {
          if (top !== part && !allowed[part]!.includes(top)) violations.push(`${relative(root, file)} imports ${top}/`);
        }
      }
      expect(violations).toEqual([]);
    });
  }

  it('finds a violation when one is present (the check itself can fail)', () => {
    const fake = join(root, 'protocol', '__probe__.ts');
    const text = "import { x } from '../agent/index.ts';";
    const spec = [...text.matchAll(importPattern)].map((m) => relative(root, resolve(fake, '..', m[1]!)).split(sep)[0]);
    expect(spec).toEqual(['agent']);
  });
});
