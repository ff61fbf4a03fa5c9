/** What a monitor's output must never hold: a card's PAN, its track 2, its PIN block. */
import { expect } from 'vitest';
import { pinBlock, track2, type KksCard } from '../../../simulators/terminal/index.ts';

export function expectNoCardData(output: string, cards: readonly KksCard[], pins: readonly string[]): void {
  for (const card of cards) {
    expect(output).not.toContain(card.pan);
    // Track 2 as ISO 8583 carries it (PAN D YYMM...) and its digits after the PAN.
    expect(output).not.toContain(track2(card));
    expect(output).not.toContain(track2(card).slice(card.pan.length + 1));
    for (const pin of pins) {
      const block = Buffer.from(pinBlock(card, pin));
      for (const text of [block.toString('hex'), block.toString('hex').toUpperCase(), block.toString('base64')])
        expect(output).not.toContain(text);
      // A Uint8Array that reached JSON.stringify would show as {"0":..,"1":..}.
      expect(output).not.toContain(`{"0":${block[0]},"1":${block[1]}`);
    }
  }
}
