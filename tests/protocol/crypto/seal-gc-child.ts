/**
 * Child of seal-gc.test.ts: seals `count` PANs in a tight loop, run with a tiny young generation
 * (--max-semi-space-size=1) so that garbage collections land inside seal() often. Prints "done".
 */
import { generateSealKeyPair, seal } from '../../../protocol/crypto/seal.ts';

const count = Number(process.argv[2]);
const { publicKey } = generateSealKeyPair();
for (let i = 0; i < count; i++) seal(`601301${String(i).padStart(10, '0')}`, publicKey);
process.stdout.write('done\n');
