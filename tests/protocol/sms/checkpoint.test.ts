import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateSigningKeyPair, sms } from '../../../protocol/index.ts';

const vectors = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../../../protocol/vectors/checkpoints.json'), 'utf8'),
) as {
  seed: string;
  publicKey: string;
  body: sms.CheckpointBody;
  checkpointHex: string;
  submit: { pdu: string; octets: number };
  deliver: string;
};
const readme = readFileSync(resolve(import.meta.dirname, '../../../protocol/README.md'), 'utf8');

function readmeBlock(tag: string): string {
  const match = new RegExp('```' + tag + '\\n([0-9A-Fa-f]+)\\n```').exec(readme);
  if (match === null) throw new Error(`protocol/README.md has no ${tag} block`);
  return match[1]!;
}

const bytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));

describe('checkpoint vectors (protocol/README.md and vectors/checkpoints.json)', () => {
  it('encodes the documented body to the documented octets, byte for byte', () => {
    const octets = sms.encodeCheckpoint(vectors.body, vectors.seed);
    expect(octets.length).toBe(140);
    expect(Buffer.from(octets).toString('hex')).toBe(vectors.checkpointHex);
    expect(readmeBlock('checkpoint-hex')).toBe(vectors.checkpointHex);
  });

  it('decodes and verifies the README octets against the README public key', () => {
    const checkpoint = sms.verifyCheckpoint(bytes(readmeBlock('checkpoint-hex')), vectors.publicKey);
    expect(checkpoint).toMatchObject(vectors.body);
    expect(readme).toContain(vectors.publicKey);
    expect(readme).toContain(vectors.seed);
  });

  it('the README PDUs are the code output and decode back to the checkpoint', () => {
    const octets = bytes(vectors.checkpointHex);
    const submit = sms.encodeSubmit({ to: '+6281100000002', data: octets });
    expect(submit).toEqual(vectors.submit);
    expect(readmeBlock('submit-pdu')).toBe(submit.pdu);
    expect(readme).toContain(`AT+CMGS=${submit.octets}`);
    const deliver = sms.encodeDeliver({ from: '+6281100000001', sentAt: 1795000005000, data: octets });
    expect(readmeBlock('deliver-pdu')).toBe(deliver);
    expect(sms.decodeSubmit(readmeBlock('submit-pdu'))).toEqual({ to: '+6281100000002', data: octets });
    expect(sms.decodeDeliver(readmeBlock('deliver-pdu'))).toEqual({
      from: '+6281100000001',
      sentAt: 1795000005000,
      data: octets,
    });
  });

  it('documents the agent id packing example (AGT = 47 86)', () => {
    expect(vectors.checkpointHex.slice(4, 8)).toBe('4786');
    expect(readme).toContain('`47 86`');
  });
});

describe('checkpoint validation', () => {
  const keys = generateSigningKeyPair();
  const good = sms.encodeCheckpoint(vectors.body, keys.seed);

  it('round-trips any valid body (property)', () => {
    const agentId = fc.stringMatching(/^[A-Z0-9][A-Z0-9-]{2,31}$/);
    fc.assert(
      fc.property(
        agentId,
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.integer({ min: 0, max: 2 ** 48 - 1 }),
        fc.integer({ min: 0, max: 1e12 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (id, seq, at, withdrawn, hash) => {
          const body = {
            agentId: id,
            seq,
            at,
            withdrawn,
            reversed: Math.floor(withdrawn / 3),
            headHash: Buffer.from(hash).toString('hex'),
          };
          const octets = sms.encodeCheckpoint(body, keys.seed);
          expect(sms.verifyCheckpoint(octets, keys.publicKey)).toMatchObject(body);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses out-of-range fields with EDC_ERR_CHECKPOINT_FIELD', () => {
    const bad: Array<Partial<sms.CheckpointBody>> = [
      { agentId: 'agt-1' },
      { agentId: 'A'.repeat(33) },
      { seq: 0 },
      { seq: 2 ** 32 },
      { at: -1 },
      { withdrawn: 1e12 + 1 },
      { reversed: vectors.body.withdrawn + 1 },
      { headHash: 'AB'.repeat(32) },
      { seq: 1.5 },
    ];
    for (const change of bad) {
      expect(() => sms.encodeCheckpoint({ ...vectors.body, ...change }, keys.seed), JSON.stringify(change)).toThrow(
        expect.objectContaining({ code: 'EDC_ERR_CHECKPOINT_FIELD' }),
      );
    }
  });

  it('refuses malformed octets with EDC_ERR_CHECKPOINT_FORMAT', () => {
    const mutate = (offset: number, value: number): Uint8Array => {
      const copy = new Uint8Array(good);
      copy[offset] = value;
      return copy;
    };
    const cases = [
      good.subarray(0, 139),
      new Uint8Array([...good, 0]),
      mutate(0, 0xed),
      mutate(1, 0x02),
      mutate(2, 0xff), // group >= 64000
      mutate(20, 0x01), // a symbol after the padding
      mutate(2, 0x00), // agent id starting with padding
      (() => {
        const copy = new Uint8Array(good);
        copy.fill(0, 24, 28); // seq 0
        return copy;
      })(),
      mutate(39, 0xff), // reversed > withdrawn
    ];
    for (const octets of cases) {
      expect(() => sms.decodeCheckpoint(octets)).toThrow(
        expect.objectContaining({ code: 'EDC_ERR_CHECKPOINT_FORMAT' }),
      );
    }
  });

  it('a changed octet or another key fails verification with EDC_ERR_CHECKPOINT_SIGNATURE', () => {
    const other = generateSigningKeyPair();
    expect(() => sms.verifyCheckpoint(good, other.publicKey)).toThrow(
      expect.objectContaining({ code: 'EDC_ERR_CHECKPOINT_SIGNATURE' }),
    );
    for (const offset of [25, 30, 36, 41, 50, 100]) {
      const copy = new Uint8Array(good);
      copy[offset] = copy[offset]! ^ 0x01;
      expect(() => sms.verifyCheckpoint(copy, keys.publicKey)).toThrow(
        expect.objectContaining({ code: 'EDC_ERR_CHECKPOINT_SIGNATURE' }),
      );
    }
  });
});

describe('SMS PDUs', () => {
  const data = new Uint8Array(140).fill(7);

  it('round-trips SUBMIT and DELIVER for national and international numbers', () => {
    for (const phone of ['+6281100000001', '081100000001', '123']) {
      expect(sms.decodeSubmit(sms.encodeSubmit({ to: phone, data }).pdu)).toEqual({ to: phone, data });
      const sentAt = Date.UTC(2026, 10, 30, 17, 0, 5);
      expect(sms.decodeDeliver(sms.encodeDeliver({ from: phone, sentAt, data }))).toEqual({
        from: phone,
        sentAt,
        data,
      });
    }
  });

  it('accepts a SUBMIT with a relative validity period and an SMSC address; a DELIVER in another zone', () => {
    const pdu = '0791261801000000' + '1100' + '0D91261801000000F2' + '00' + '04' + 'AA' + '03' + '010203';
    expect(sms.decodeSubmit(pdu)).toEqual({ to: '+6281100000002', data: new Uint8Array([1, 2, 3]) });
    // 26-11-30 17:00:05 at UTC+7 (28 quarters: semi-octets 82) = 10:00:05 UTC
    const deliver = '00' + '04' + '0D91261801000000F1' + '00' + '04' + '62110371005082' + '01' + 'FF';
    expect(sms.decodeDeliver(deliver)).toEqual({
      from: '+6281100000001',
      sentAt: Date.UTC(2026, 10, 30, 10, 0, 5),
      data: new Uint8Array([0xff]),
    });
  });

  it('refuses malformed PDUs with EDC_ERR_PDU_FORMAT and others with EDC_ERR_PDU_UNSUPPORTED', () => {
    const submit = sms.encodeSubmit({ to: '+6281100000002', data }).pdu;
    const format = ['', 'XYZ', '0', submit.slice(0, -2), `${submit}00`, '0004' + submit.slice(4), 'FF'.repeat(201)];
    for (const pdu of format) {
      expect(() => sms.decodeSubmit(pdu), pdu.slice(0, 20)).toThrow(
        expect.objectContaining({ code: 'EDC_ERR_PDU_FORMAT' }),
      );
    }
    const gsm7 = submit.slice(0, 26) + '00' + submit.slice(28);
    const udh = '0041' + submit.slice(4);
    for (const pdu of [gsm7, udh]) {
      expect(() => sms.decodeSubmit(pdu)).toThrow(expect.objectContaining({ code: 'EDC_ERR_PDU_UNSUPPORTED' }));
    }
    expect(() => sms.encodeSubmit({ to: 'abc', data })).toThrow(
      expect.objectContaining({ code: 'EDC_ERR_PDU_FORMAT' }),
    );
    expect(() => sms.encodeSubmit({ to: '+62811', data: new Uint8Array(141) })).toThrow(
      expect.objectContaining({ code: 'EDC_ERR_PDU_UNSUPPORTED' }),
    );
    const badTime = '00040D91261801000000F1000462113' + '1' + '71005082' + '01FF'; // 31 November
    expect(() => sms.decodeDeliver(badTime.replace('6211317', '621131'))).toThrow(
      expect.objectContaining({ code: 'EDC_ERR_PDU_FORMAT' }),
    );
  });
});
