/**
 * The body of a chain-verification worker thread: answers each chunk with the first entry that
 * does not continue the chain (protocol findChainBreak: seq, prevHash, hash, signature).
 */
import { parentPort } from 'node:worker_threads';
import { findChainBreak } from '../../protocol/messages/signed.ts';
import type { VerifyReply, VerifyRequest } from './verify-pool.ts';

const port = parentPort;
if (port === null) throw new Error('verify-worker-main.ts runs only as a worker thread');
port.on('message', (request: VerifyRequest) => {
  let reply: VerifyReply;
  try {
    reply = { id: request.id, chainBreak: findChainBreak(request.entries, request.from, request.publicKey) ?? null };
  } catch (error) {
    reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true });
