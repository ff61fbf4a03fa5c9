/**
 * ISO 8583 codec throughput on a typical 0200 (chip card, offline PIN verified, track 2, field 55).
 * Run: npx tsx bench/iso8583-decode.ts [--quick]
 * Messages/s for decode and encode (encode includes its decode-back pair assertion): median, min
 * and max over the repeats, beside JSON.parse of a JSON rendering of the same message (what a
 * text encoding of the same fields would cost).
 */
import { performance } from 'node:perf_hooks';
import { cardPinCvmResults, decode, encode, encodeTlv, luhnCheckDigit } from '../protocol/iso8583/index.ts';
import type { IsoMessage } from '../protocol/iso8583/index.ts';
import { against, finish, sized, summarize, type Figure } from './harness.ts';

const messagesPerRepeat = sized(50_000, 10_000, 2_000);
const repeats = sized(7, 5, 3);
const warmupMessages = sized(20_000, 5_000, 1_000);

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

function rates(run: () => unknown): number[] {
  rate(run, warmupMessages);
  return Array.from({ length: repeats }, () => rate(run, messagesPerRepeat));
}

const asJson = JSON.stringify(withdrawal, (_key, value: unknown) =>
  value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value,
);
const jsonParse = summarize(
  'JSON.parse of the same message (baseline)',
  'msg/s',
  rates(() => JSON.parse(asJson)),
);
const figures: Figure[] = [
  jsonParse,
  against(
    summarize(
      `ISO 8583 0200 decode (${bytes.length} bytes)`,
      'msg/s',
      rates(() => decode(bytes)),
    ),
    jsonParse,
  ),
  against(
    summarize(
      'ISO 8583 0200 encode (+ decode-back check)',
      'msg/s',
      rates(() => encode(withdrawal)),
    ),
    jsonParse,
  ),
];
finish('iso8583-decode', `ISO 8583 0200 codec, ${repeats} repeats x ${messagesPerRepeat} messages`, figures);
