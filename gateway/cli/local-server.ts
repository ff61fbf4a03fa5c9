/**
 * Read commands while `serve` runs. LevelDB allows one process, so while serve holds the store
 * the commands that only read it (agents list, report, and reconcile, whose write the server
 * makes) ask the running server instead, through its staff API:
 *
 * - serve opens a second listener on 127.0.0.1 (a free port, plain HTTP, loopback only) that
 *   answers exactly as the main one, and writes D/serve.json (mode 0600): its pid, that URL and
 *   a staff token of role admin that exists only in the server's memory (never in the store:
 *   it dies with the process). It removes the file when it stops.
 * - a command that finds the store locked reads serve.json and sends its requests there. The
 *   server's answers and coded errors come back as the command's own (same output, same exit
 *   status); the staff audit log names the actor `edc-gateway CLI (local)`.
 */
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { EdcError, isEdcError } from '../../protocol/errors.ts';
import { ErrorBody } from '../../protocol/messages/schemas.ts';
import type { GatewayDir } from '../config.ts';
import { ERR_STORE_LOCKED } from '../errors.ts';
import { newToken } from '../http/staff-auth.ts';
import type { GatewayStore, TokenRecord } from '../store/types.ts';
import { withStore } from './open.ts';
import { required, type CommandSpec } from './io.ts';

export const serveFileName = 'serve.json';
/** serve.json is a few hundred bytes; anything larger is not ours (refused unread). */
const serveFileBytesMax = 4096;
/** Largest answer a command reads from the server (a settlement of every agent of a big tahap). */
export const localResponseBytesMax = 256 * 1024 * 1024;
/** A recompute of a national tahap takes minutes; a command waits this long for any answer. */
export const localRequestTimeoutMs = 30 * 60_000;
export const localTokenName = 'edc-gateway CLI (local)';

const ServeFile = z.strictObject({
  v: z.literal(1),
  pid: z.number().int().min(1),
  url: z.string().regex(/^http:\/\/127\.0\.0\.1:[0-9]{1,5}$/),
  token: z.string().regex(/^edcst_[A-Za-z0-9_-]{16,128}$/),
  startedAt: z.number().int(),
});
type ServeFile = z.infer<typeof ServeFile>;

/** The in-memory admin token serve hands to local commands. */
export function localToken(now: number): { token: string; record: TokenRecord } {
  return newToken('admin', localTokenName, now);
}

export interface LocalEndpoint {
  readonly url: string;
  close(): Promise<void>;
}

/** Writes serve.json atomically with mode 0600 (a temp file renamed over any stale one). */
async function writeServeFile(dir: string, content: ServeFile): Promise<void> {
  const path = join(dir, serveFileName);
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify(content) + '\n');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}

/**
 * serve's side: the loopback listener and serve.json; close() removes both (the file only while
 * it is still this process's). When the folder is not writable (a hardened replica whose store is
 * PostgreSQL) there is no local endpoint: the answer is the reason, and serve runs on.
 */
export async function openLocalEndpoint(
  app: FastifyInstance,
  dir: string,
  token: string,
): Promise<LocalEndpoint | { readonly unavailable: string }> {
  const server: Server = createServer((req, res) => app.routing(req, res));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    await writeServeFile(dir, { v: 1, pid: process.pid, url, token, startedAt: Date.now() });
    return {
      url,
      close: async () => {
        const still = await readServeFile(dir);
        if (still?.pid === process.pid) await rm(join(dir, serveFileName), { force: true });
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  } catch (error) {
    server.close();
    return { unavailable: (error as Error).message };
  }
}

export interface LocalServer {
  readonly url: string;
  /** The answer's JSON on 200; the server's coded error, rethrown as an EdcError, otherwise. */
  request(method: 'GET' | 'POST', path: string): Promise<unknown>;
}

async function readServeFile(dir: string): Promise<ServeFile | undefined> {
  const path = join(dir, serveFileName);
  try {
    if ((await stat(path)).size > serveFileBytesMax) return undefined;
    const parsed = ServeFile.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function asError(status: number, text: string): EdcError {
  let body: ErrorBody | undefined;
  try {
    const parsed = ErrorBody.safeParse(JSON.parse(text));
    body = parsed.success ? parsed.data : undefined;
  } catch {
    body = undefined;
  }
  if (body === undefined)
    return new EdcError('EDC_ERR_INTERNAL', `The running server answered ${status} without a coded error`, 500);
  return new EdcError(body.code, body.message, body.statusCode, body.details ?? {});
}

function send(file: ServeFile, method: 'GET' | 'POST', path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${file.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${file.token}`, accept: 'application/json' },
      timeout: localRequestTimeoutMs,
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${localRequestTimeoutMs} ms`)));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > localResponseBytesMax) res.destroy(new Error(`answer over ${localResponseBytesMax} bytes`));
        else chunks.push(chunk);
      });
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) return reject(asError(res.statusCode ?? 0, text));
        try {
          resolve(JSON.parse(text) as unknown);
        } catch {
          reject(new EdcError('EDC_ERR_INTERNAL', 'The running server answered 200 with a body that is not JSON', 500));
        }
      });
    });
    req.end();
  });
}

/** The running server of D, from serve.json; undefined when there is none. */
export async function findLocalServer(dir: string): Promise<LocalServer | undefined> {
  const file = await readServeFile(dir);
  if (file === undefined) return undefined;
  return { url: file.url, request: (method, path) => send(file, method, path) };
}

/**
 * Runs `local` on the store when this process can open it; when a running serve holds it,
 * runs `remote` against that server instead. Without a serve.json, or when its server does not
 * answer, the lock error stands (with the reason).
 */
export async function withStoreOrServer<T>(
  values: Record<string, string | boolean | undefined>,
  spec: CommandSpec,
  local: (opened: { gw: GatewayDir; store: GatewayStore }) => Promise<T>,
  remote: (server: LocalServer) => Promise<T>,
): Promise<T> {
  try {
    return await withStore(values, spec, local);
  } catch (error) {
    if (!isEdcError(error, ERR_STORE_LOCKED.code)) throw error;
    const server = await findLocalServer(required(values, 'dir', spec));
    if (server === undefined) throw error;
    try {
      return await remote(server);
    } catch (failure) {
      if (isEdcError(failure)) throw failure;
      throw new ERR_STORE_LOCKED(
        `${error.message}; ${serveFileName} names ${server.url}, which did not answer: ${(failure as Error).message}`,
        { ...error.details, url: server.url },
      );
    }
  }
}
