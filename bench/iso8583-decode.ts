/**
 * ISO 8583 codec throughput on a typical 0200 (chip card, offline PIN verified, track 2, field 55).
 * Run: npx tsx bench/iso8583-decode.ts [messagesPerRepeat] [repeats]
 * Prints messages/s for decode and encode (encode includes its decode-back pair assertion):
 * median, min and max over the repeats, then the same figures as one JSON line.
 */
import { performance } from 'node:perf_hooks';
import { cardPinCvmResults, decode, encode, encodeTlv, luhnCheckDigit } from '../protocol/iso8583/index.ts';
import type { IsoMessage } from '../protocol/iso8583/index.ts';

const messagesPerRepeat = Number(process.argv[2] ?? 50_000);
const repeats = Math.max(5, Number(process.argv[3] ?? 7));
const warmupMessages = 20_000;

const pan = '601301123456789' + luhnCheckDigit('601301123456789');
const withdrawal: IsoMessage = {
  tpdu: { destination: 0x0001, source: 0x0101 },
  mti: '0200',
  fields: {
    2: pan,
    3: '010000',
    4: 750_000,
    11: '000003',
    12: '143210',
    13: '1122',
    14: '2812',
    22: '051',
    24: '001',
    25: '00',
    35: `${pan}D2812220000000000`,
    41: 'EDC00001',
    42: 'AGEN-BRI-000123',
    55: encodeTlv([{ tag: '82', value: Uint8Array.of(0x39, 0x00) }, cardPinCvmResults('enciphered', 'verified')]),
    60: { kind: 'batch', batchNumber: '000007' },
    62: '000003',
  },
};
const bytes = encode(withdrawal);

/** Messages per second for one repeat of `count` calls. */
function rate(run: () => unknown, count: number): number {
  const start = performance.now();
  for (let i = 0; i < count; i++) run();
  return count / ((performance.now() - start) / 1000);
}

function summarize(run: () => unknown): { median: number; min: number; max: number } {
  rate(run, warmupMessages);
  const rates = Array.from({ length: repeats }, () => rate(run, messagesPerRepeat)).sort((a, b) => a - b);
  return { median: rates[Math.floor(rates.length / 2)]!, min: rates[0]!, max: rates[rates.length - 1]! };
}

const results = {
  benchmark: 'iso8583-0200',
  messageBytes: bytes.length,
  messagesPerRepeat,
  repeats,
  node: process.version,
  decodePerSecond: summarize(() => decode(bytes)),
  encodePerSecond: summarize(() => encode(withdrawal)),
};

const format = (value: number): string => Math.round(value).toLocaleString('en-US').padStart(10);
console.log(`ISO 8583 0200 (${bytes.length} bytes), ${repeats} repeats x ${messagesPerRepeat} messages, Node ${process.version}`);
for (const [name, figures] of [['decode', results.decodePerSecond], ['encode', results.encodePerSecond]] as const) {
  console.log(`${name}  median ${format(figures.median)} msg/s   min ${format(figures.min)}   max ${format(figures.max)}`);
}
console.log(JSON.stringify(results));
