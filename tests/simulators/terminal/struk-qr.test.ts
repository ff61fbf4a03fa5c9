/**
 * The struk a KPM can prove, end to end: a real agent answers a real `edc-sim terminal` over TCP;
 * the struk shows the struk code and the QR as text art, --qr-out writes the PNG, and the PNG
 * decodes (jsQR) to the agent-signed proof of the entry the agent wrote.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import jsqrModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { struk } from '../../../protocol/index.ts';
import { runSimCli } from '../../../simulators/cli.ts';
import type { Io } from '../../../simulators/cli/io.ts';
import { startTestAgent, type TestAgent } from '../support/agent.ts';

/** jsqr is CommonJS with `export default`: under ESM the default import is the function itself. */
const jsQR = jsqrModule as unknown as (
  data: Uint8ClampedArray,
  width: number,
  height: number,
) => { data: string } | null;

let agent: TestAgent;
beforeAll(async () => {
  agent = await startTestAgent();
});
afterAll(async () => agent.close());

async function sim(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t), stopped: () => Promise.resolve() };
  return { status: await runSimCli(argv, io), out, err };
}

describe('struk proof on the struk', () => {
  it('prints the struk code and QR art; --qr-out writes a PNG that decodes to the verifiable proof', async () => {
    const card = agent.cards[0]!;
    const script = join(agent.dir, 'qr.json');
    await writeFile(
      script,
      JSON.stringify({ v: 1, steps: [{ kind: 'withdraw', pan: card.pan, pin: card.pin, amount: 50_000 }] }),
    );
    const png = join(agent.dir, 'struk.png');
    const result = await sim(
      'terminal',
      '--tcp',
      `127.0.0.1:${agent.port}`,
      '--stan',
      '700',
      '--script',
      script,
      '--cards',
      agent.cardsFile,
      '--qr-out',
      png,
    );
    expect(result.status).toBe(0);
    const head = agent.core.head();
    const code = struk.strukCode('AGT-001', head.seq, head.hash);
    expect(result.out).toContain('Kode struk (untuk pengaduan):');
    expect(result.out).toContain(code);
    // QR art: the top finder patterns (left and right) on one row, and many rows of blocks. A run
    // of N block characters in a row depends on the code's content, so it is not what is checked.
    expect(result.out).toMatch(/█▀▀▀▀▀█.*█▀▀▀▀▀█/);
    expect(result.out.split('\n').filter((line) => /[█▀▄]/.test(line)).length).toBeGreaterThan(15);
    const image = PNG.sync.read(await readFile(png));
    const decoded = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
    expect(decoded?.data).toMatch(/^EDC1\./);
    const proof = struk.decodeStrukProof(decoded!.data);
    expect(proof).toMatchObject({ agentId: 'AGT-001', seq: head.seq, amount: 50_000, entryHash: head.hash });
    expect(struk.strukProofVerifies(proof, agent.publicKey)).toBe(true);
    const text = result.out.split('\n').filter((line) => /^[ █▀▄]+$/.test(line) && line.trim() !== '');
    expect(text.length).toBeGreaterThan(10);
  });

  it('--qr-out into a missing folder fails before any transaction (EDC_ERR_SIM_OUTPUT)', async () => {
    const before = agent.core.head().seq;
    const result = await sim(
      'terminal',
      '--tcp',
      `127.0.0.1:${agent.port}`,
      '--card-pin',
      '123456',
      '--qr-out',
      '/no/such/dir/x.png',
    );
    expect(result.status).toBe(1);
    expect(result.err).toMatch(/^edc-sim: EDC_ERR_SIM_OUTPUT: --qr-out/);
    expect(agent.core.head().seq).toBe(before);
  });
});
