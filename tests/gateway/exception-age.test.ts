/** Exception ageing: bucket bounds, and the opening time of records written before openedAt existed. */
import { describe, expect, it } from 'vitest';
import { exceptionAgeBucket } from '../../gateway/recon/exceptions.ts';
import { openedAtOf } from '../../gateway/store/level/exception-view.ts';
import type { ExceptionEvent } from '../../gateway/store/types.ts';

const day = 86_400_000;
const event = (at: number): ExceptionEvent => ({
  at,
  actor: 'ana',
  from: 'open',
  to: 'investigating',
  reason: undefined,
  note: '',
});

describe('exception ageing', () => {
  it('puts each age in its bucket, bounds included in the older one', () => {
    const now = 100 * day;
    expect(exceptionAgeBucket(undefined, now)).toBe('unworked');
    expect(exceptionAgeBucket(now, now)).toBe('lt1d');
    expect(exceptionAgeBucket(now - day + 1, now)).toBe('lt1d');
    expect(exceptionAgeBucket(now - day, now)).toBe('d1to7');
    expect(exceptionAgeBucket(now - 7 * day, now)).toBe('d7to30');
    expect(exceptionAgeBucket(now - 30 * day + 1, now)).toBe('d7to30');
    expect(exceptionAgeBucket(now - 30 * day, now)).toBe('gt30d');
  });

  it('dates a record by openedAt, an older record by its first history event, none when absent', () => {
    const history = [event(5), event(9)];
    expect(openedAtOf({ id: 'x', state: 'investigating', history, openedAt: 3 })).toBe(3);
    expect(openedAtOf({ id: 'x', state: 'investigating', history })).toBe(5);
    expect(openedAtOf({ id: 'x', state: 'open', history: [] })).toBeUndefined();
    expect(openedAtOf(undefined)).toBeUndefined();
  });
});
