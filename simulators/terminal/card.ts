/**
 * Simulated KKS cards. A KKS card is a chip card: the PIN is checked offline by the card itself,
 * and the terminal reports the outcome in field 55 as EMV tag 9F34 (CVM Results), which is what
 * the agent trusts (see protocol/iso8583/card.ts). PANs are Luhn-valid, built from a Himbara-like
 * 6-digit prefix and digits from an injectable random source so that the rig is reproducible.
 */
import { cardPinCvmResults, encodeTlv, luhnCheckDigit } from '../../protocol/iso8583/index.ts';

export interface KksCard {
  readonly pan: string;
  /** YYMM */
  readonly expiry: string;
  readonly pin: string;
  /** 3-digit service code of track 2 (201: international, chip, normal authorization). */
  readonly serviceCode: string;
}

/** Issuer prefixes used by simulated cards (not real BINs). */
export const simulatedPrefixes = ['601301', '601302', '601303', '601304'] as const;

/** A card from `random` (uniform in [0, 1)); PAN of 16 digits, Luhn-valid. */
export function makeKksCard(
  random: () => number,
  options: { pin?: string; expiry?: string; prefix?: string } = {},
): KksCard {
  const prefix = options.prefix ?? simulatedPrefixes[Math.floor(random() * simulatedPrefixes.length)]!;
  let body = prefix;
  while (body.length < 15) body += String(Math.floor(random() * 10));
  const pin = options.pin ?? String(Math.floor(random() * 1_000_000)).padStart(6, '0');
  return { pan: body + luhnCheckDigit(body), expiry: options.expiry ?? '2912', pin, serviceCode: '201' };
}

/** Track 2 equivalent data: PAN 'D' YYMM service code, then discretionary digits. */
export function track2(card: KksCard): string {
  return `${card.pan}D${card.expiry}${card.serviceCode}00000`;
}

/** What the card answers to an entered PIN, as field 55 (ICC data) bytes. */
export function cardPinField55(card: KksCard, enteredPin: string): Uint8Array {
  return encodeTlv([cardPinCvmResults('enciphered', enteredPin === card.pin ? 'verified' : 'failed')]);
}

/**
 * An ISO 9564 format 0 PIN block, unencrypted: the simulator has no PIN key, and the agent does
 * not read field 52 (the card verified the PIN). It is sent because real terminals send one, so
 * the agent's log redaction is exercised with it present.
 */
export function pinBlock(card: KksCard, enteredPin: string): Uint8Array {
  const pinField = `0${enteredPin.length}${enteredPin}`.padEnd(16, 'F');
  const panField = `0000${card.pan.slice(-13, -1)}`;
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++)
    out[i] = parseInt(pinField.slice(i * 2, i * 2 + 2), 16) ^ parseInt(panField.slice(i * 2, i * 2 + 2), 16);
  return out;
}
