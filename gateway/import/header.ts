/**
 * Matches a file's header to a layout. Columns may come in any order (banks reorder them between
 * export versions), but the set must be exactly the layout's: a missing column would leave a
 * field empty on every row, and an unexpected one usually means the wrong layout was chosen.
 */
import type { LayoutSpec } from './layout.ts';
import { normalizeWord } from './formats.ts';

export type Field = keyof LayoutSpec['columns'];

/** Index in the record of each mapped field. */
export type ColumnIndex = Readonly<Partial<Record<Field, number>>>;

export type HeaderMatch =
  | { readonly ok: true; readonly index: ColumnIndex; readonly width: number }
  | { readonly ok: false; readonly reason: string };

const shownMax = 5;

function list(names: readonly string[]): string {
  const shown = names.slice(0, shownMax).map((name) => JSON.stringify(name.slice(0, 40)));
  return names.length > shownMax ? `${shown.join(', ')} and ${names.length - shownMax} more` : shown.join(', ');
}

export function matchHeader(found: readonly string[], layout: LayoutSpec): HeaderMatch {
  const names = found.map(normalizeWord);
  const expected = layout.header.map(normalizeWord);
  const missing = expected.filter((name) => !names.includes(name));
  const unexpected = names.filter((name) => !expected.includes(name));
  const repeated = names.filter((name, i) => names.indexOf(name) !== i);
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`missing ${list(missing)}`);
  if (unexpected.length > 0) problems.push(`unexpected ${list(unexpected)}`);
  if (repeated.length > 0) problems.push(`repeated ${list(repeated)}`);
  if (problems.length > 0) {
    const shownHeader = layout.header.join(layout.delimiter === '\t' ? ' ' : layout.delimiter);
    return {
      ok: false,
      reason: `expected the ${layout.id} header ${shownHeader} (any order), found ${problems.join('; ')}`,
    };
  }
  const index: Partial<Record<Field, number>> = {};
  for (const [field, name] of Object.entries(layout.columns) as Array<[Field, string | undefined]>) {
    if (name !== undefined) index[field] = names.indexOf(normalizeWord(name));
  }
  return { ok: true, index, width: names.length };
}
