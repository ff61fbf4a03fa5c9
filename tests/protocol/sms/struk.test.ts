import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSigningKeyPair, struk } from '../../../protocol/index.ts';

const vectors = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../../../protocol/vectors/struk.json'), 'utf8'),
) as {
  seed: string;
  publicKey: string;
  body: struk.StrukProofBody;
  qr: string;
  code: string;
};
const readme = readFileSync(resolve(import.meta.dirname, '../../../protocol/README.md'), 'utf8');
const block = (tag: string): string => new RegExp('```' + tag + '\\n(.+)\\n```').exec(readme)![1]!;

describe('struk proof and struk code', () => {
  it('encodes the README vector byte for byte, and the README text decodes and verifies', () => {
    expect(struk.encodeStrukProof(vectors.body, vectors.seed)).toBe(vectors.qr);
    expect(block('struk-qr')).toBe(vectors.qr);
    const proof = struk.decodeStrukProof(block('struk-qr'));
    expect(proof).toMatchObject(vectors.body);
    expect(struk.strukProofVerifies(proof, vectors.publicKey)).toBe(true);
    expect(struk.strukCode(proof.agentId, proof.seq, proof.entryHash)).toBe(block('struk-code'));
    expect(block('struk-code')).toBe(vectors.code);
  });

  it('a changed field or another key does not verify', () => {
    const proof = struk.decodeStrukProof(vectors.qr);
    expect(struk.strukProofVerifies({ ...proof, amount: proof.amount + 1 }, vectors.publicKey)).toBe(false);
    expect(struk.strukProofVerifies(proof, generateSigningKeyPair().publicKey)).toBe(false);
  });

  it('refuses malformed QR text with EDC_ERR_STRUK_PROOF_FORMAT', () => {
    const bytes = Buffer.from(vectors.qr.slice(5), 'base64url');
    const withBytes = (change: (b: Buffer) => void): string => {
      const copy = Buffer.from(bytes);
      change(copy);
      return 'EDC1.' + copy.toString('base64url');
    };
    const bad = [
      '',
      'EDC2.' + vectors.qr.slice(5),
      vectors.qr + '=',
      vectors.qr.slice(0, -4),
      vectors.qr + 'AAAA',
      'EDC1.' + '!'.repeat(40),
      withBytes((b) => (b[0] = 0)),
      withBytes((b) => b.fill(0, 24, 28)),
      withBytes((b) => b.fill(0, 34, 39)),
      withBytes((b) => (b[47] = 0x41)),
      withBytes((b) => (b[53] = 3)),
      withBytes((b) => (b[40] = 0x07)),
    ];
    for (const text of bad) {
      expect(() => struk.decodeStrukProof(text), text.slice(0, 30)).toThrow(
        expect.objectContaining({ code: 'EDC_ERR_STRUK_PROOF_FORMAT' }),
      );
    }
  });

  it('refuses out-of-range fields with EDC_ERR_STRUK_PROOF_FIELD', () => {
    for (const change of [{ seq: 0 }, { amount: 0 }, { stan: '12345' }, { kpmId: 'k' }, { terminalId: 'SHORT' }]) {
      expect(() => struk.encodeStrukProof({ ...vectors.body, ...change }, vectors.seed)).toThrow(
        expect.objectContaining({ code: 'EDC_ERR_STRUK_PROOF_FIELD' }),
      );
    }
  });

  it('reads a struk code as spoken: lower case, spaces, O for 0, I and L for 1; refuses others', () => {
    expect(struk.parseStrukCode(vectors.code)).toEqual({ agentId: 'AGT-BRI-0001', seq: 42, tag: 'PA5B-AWX2' });
    expect(struk.parseStrukCode('agt-bri-0001 : 42 : pa5b awx2')).toEqual(struk.parseStrukCode(vectors.code));
    expect(struk.parseStrukCode('AGT-BRI-0001:42:O0IL-1111').tag).toBe('0011-1111');
    for (const text of ['AGT-BRI-0001:0:PA5B-AWX2', 'AGT:42:PA5B', 'AGT-BRI-0001:42:PA5U-AWX2', 'x'.repeat(100)]) {
      expect(() => struk.parseStrukCode(text)).toThrow(expect.objectContaining({ code: 'EDC_ERR_STRUK_PROOF_FORMAT' }));
    }
  });
});
