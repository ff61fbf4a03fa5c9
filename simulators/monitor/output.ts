/**
 * How the monitor prints an event: for people, a header line (time, direction, what) and, for a
 * frame, one line per field; with --json, one JSON object per line. Both come from the same
 * described (already redacted) event, so neither can show more than the other. The tally is the
 * summary printed when the monitor stops.
 */
import type { Direction, MonitorEvent } from './decoders.ts';

const arrows: Record<Direction, string> = { 'terminal>agent': 'T>A', 'agent>terminal': 'A>T', unknown: '?  ' };

function clock(t: number): string {
  const d = new Date(t);
  const two = (n: number): string => String(n).padStart(2, '0');
  const ms = String(d.getMilliseconds()).padStart(3, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${ms}`;
}

function header(event: MonitorEvent): string {
  const conn = event.conn === undefined ? '' : ` #${event.conn}`;
  const arrow = event.kind === 'open' || event.kind === 'close' ? '   ' : arrows[event.dir];
  return `${clock(event.t)} ${arrow}${conn.padEnd(5)}`;
}

function frameText(event: Extract<MonitorEvent, { kind: 'frame' }>): string {
  const { message } = event;
  const lrc = event.lrc === undefined ? '' : `, LRC ${event.lrc} ok`;
  const what = message.mti === undefined ? 'not ISO 8583' : `${message.mti} ${message.mtiName ?? ''}`.trimEnd();
  const code = message.fields['39'] === undefined ? '' : `, ${message.fields['39'].text}`;
  const failed =
    message.decodeError === undefined
      ? ''
      : `\n      NOT DECODED ${message.decodeError.code}: ${message.decodeError.detail}`;
  const lines = Object.entries(message.fields).map(([n, f]) => `      ${n.padStart(3)} ${f.name.padEnd(40)} ${f.text}`);
  return [`${header(event)} frame ${event.bytes} B${lrc}: ${what}${code}${failed}`, ...lines].join('\n');
}

export function formatText(event: MonitorEvent): string {
  switch (event.kind) {
    case 'frame':
      return frameText(event);
    case 'control':
      return `${header(event)} ${event.control}`;
    case 'error':
      return `${header(event)} ERROR ${event.code}: ${event.detail}`;
    default:
      return `${header(event)} ${event.kind === 'open' ? 'connection opened' : 'connection closed'}: ${event.detail}`;
  }
}

export function formatJson(event: MonitorEvent): string {
  if (event.kind !== 'frame') return JSON.stringify({ at: new Date(event.t).toISOString(), ...event });
  const fields = Object.fromEntries(
    Object.entries(event.message.fields).map(([n, f]) => [n, { name: f.name, value: f.value }]),
  );
  return JSON.stringify({ at: new Date(event.t).toISOString(), ...event, message: { ...event.message, fields } });
}

/** Counts for the closing summary. */
export class Tally {
  private readonly frames: Record<string, number> = {};
  private readonly controls: Record<string, number> = {};
  private readonly errors: Record<string, number> = {};
  private connections = 0;

  add(event: MonitorEvent): void {
    const bump = (table: Record<string, number>, key: string): void => void (table[key] = (table[key] ?? 0) + 1);
    if (event.kind === 'frame') bump(this.frames, event.dir);
    else if (event.kind === 'control') bump(this.controls, event.control);
    else if (event.kind === 'error') bump(this.errors, event.code);
    else if (event.kind === 'open') this.connections++;
  }

  summary(): string {
    const list = (table: Record<string, number>): string =>
      Object.entries(table)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ') || 'none';
    const total = Object.values(this.frames).reduce((a, b) => a + b, 0);
    const connections = this.connections > 0 ? `; connections ${this.connections}` : '';
    return (
      `monitor: ${total} frame(s) (${list(this.frames)}); control bytes: ${list(this.controls)};` +
      ` frame errors: ${list(this.errors)}${connections}`
    );
  }
}
