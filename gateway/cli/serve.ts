/**
 * edc-gateway serve --dir D [--host 127.0.0.1] [--port 8080] [--tls-cert FILE --tls-key FILE]:
 * runs the HTTP(S) gateway until SIGINT/SIGTERM.
 */
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';
import { buildGateway } from '../app.ts';
import { ModemSupervisor } from '../checkpoints/modem-supervisor.ts';
import { loadGatewayDir } from '../config.ts';
import { ERR_LISTEN } from '../errors.ts';
import type { LevelStoreFault } from '../store/level/handle.ts';
import { loadTls, type TlsFiles, type TlsMaterial } from '../tls.ts';
import { localToken, openLocalEndpoint, serveFileName, type LocalEndpoint } from './local-server.ts';
import { openGateway, withStoreOption } from './open.ts';
import { parse, required, usageError, type CliIo, type CommandSpec } from './io.ts';

export const serveSpec: CommandSpec = withStoreOption({
  name: 'serve',
  usage: `edc-gateway serve --dir D [--host 127.0.0.1] [--port 8080] [--tls-cert FILE --tls-key FILE]

Menjalankan gateway HTTP sampai SIGINT/SIGTERM (Ctrl-C): API agen, API staf, /docs,
/dashboard, /healthz, /readyz dan /metrics. Selama berjalan, serve memegang kunci
penyimpanan: report, reconcile dan agents list bertanya ke serve (lewat D/serve.json,
127.0.0.1 saja); agents add/revoke, tokens dan import gagal EDC_ERR_STORE_LOCKED sampai serve
dihentikan (pakai rute HTTP staf selama itu). Dengan --store postgres://... kunci itu tidak ada:
beberapa serve (replika) dan semua perintah boleh berjalan bersamaan. / Serves the agent API, staff API, /docs,
/dashboard, /healthz, /readyz and /metrics until SIGINT/SIGTERM (Ctrl-C). While it runs it holds
the store lock: report, reconcile and agents list ask the running server (through D/serve.json,
127.0.0.1 only); agents add/revoke, tokens and import fail with EDC_ERR_STORE_LOCKED until it
stops (use the staff HTTP routes meanwhile). With --store postgres://... there is no such lock:
several serve processes (replicas) and every command may run at once.

  --dir D      folder gateway / gateway directory
  --host H     alamat / address to listen on (default 127.0.0.1)
  --port N     port (0-65535, default 8080; 0: any free port)
  --tls-cert F sertifikat PEM (rantai) untuk HTTPS / PEM certificate chain: HTTPS on the same port
  --tls-key F  kunci privat PEM tanpa sandi / unencrypted PEM private key (with --tls-cert)
               (tanpa opsi ini: config.json "tls" bila ada / without them: config.json "tls" if set)

Dengan "modem" di config.json ({"path": "/dev/ttyUSB0", "baudRate": 115200}) serve juga membaca
checkpoint SMS dari modem GSM gateway; modem yang tidak ada atau mati dicatat di log dan dicoba
lagi (1 s sampai 60 s), serve tetap melayani. / With "modem" in config.json serve also reads SMS
checkpoints from the gateway's GSM modem; a missing or dead modem is logged and retried
(1 s doubling to 60 s) while serving goes on.`,
  options: {
    dir: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
  },
});

/** --tls-cert and --tls-key: both (relative to the working directory) or neither. */
function tlsFlags(values: Record<string, string | boolean | undefined>): TlsFiles | undefined {
  const cert = values['tls-cert'];
  const key = values['tls-key'];
  if (typeof cert === 'string' && typeof key === 'string') return { certFile: resolve(cert), keyFile: resolve(key) };
  if (cert === undefined && key === undefined) return undefined;
  throw usageError(
    '--tls-cert dan --tls-key harus diisi berdua',
    'Expected both --tls-cert and --tls-key, or neither',
    serveSpec,
  );
}

/** The flags' TLS files, else config.json tls (relative to the gateway directory), read and checked. */
async function tlsOf(flags: TlsFiles | undefined, dir: string): Promise<TlsMaterial | undefined> {
  const fromConfig = flags === undefined ? (await loadGatewayDir(dir)).config.tls : undefined;
  const inDir = (path: string) => (isAbsolute(path) ? path : resolve(dir, path));
  const files =
    flags ??
    (fromConfig === undefined
      ? undefined
      : { certFile: inDir(fromConfig.certFile), keyFile: inDir(fromConfig.keyFile) });
  return files === undefined ? undefined : loadTls(files);
}

const listenProblems: Readonly<Record<string, readonly [string, string]>> = {
  EADDRINUSE: ['port sudah dipakai proses lain', 'the port is in use by another process'],
  EACCES: ['tidak diizinkan (port di bawah 1024?)', 'not permitted (a port below 1024?)'],
  EADDRNOTAVAIL: ['alamat tidak ada di mesin ini', 'no such address on this machine'],
};

function listenError(host: string, port: number, cause: unknown): Error {
  const code = (cause as NodeJS.ErrnoException).code ?? 'unknown';
  const [id, en] = listenProblems[code] ?? ['gagal', (cause as Error).message];
  return new ERR_LISTEN(
    `Tidak dapat membuka ${host}:${port}: ${id} / Cannot listen on ${host}:${port}: ${en} (${code})`,
    { host, port, cause: code },
    cause,
  );
}

function logStoreFault(log: FastifyBaseLogger, fault: LevelStoreFault): void {
  const error = 'error' in fault ? String((fault.error as Error | undefined)?.message ?? fault.error) : undefined;
  if (fault.kind === 'reopened') log.warn({ event: 'store.reopened' }, 'store reopened after a failed write');
  else if (fault.kind === 'write-failed')
    log.error({ event: 'store.write_failed', error }, 'store write failed: every request answers 503 until reopened');
  else log.warn({ event: 'store.reopen_failed', error }, 'store reopen failed; trying again');
}

export async function serveCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parse(serveSpec, argv);
  if (args.help) return (io.out(serveSpec.usage + '\n'), 0);
  const dir = required(args.values, 'dir', serveSpec);
  const host = typeof args.values.host === 'string' ? args.values.host : '127.0.0.1';
  const portText = typeof args.values.port === 'string' ? args.values.port : '8080';
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535)
    throw usageError(
      '--port harus 0-65535',
      `--port: expected 0-65535, found ${JSON.stringify(portText.slice(0, 20))}`,
      serveSpec,
    );
  // Checked before the store is opened: a bad file leaves nothing to undo.
  const tls = await tlsOf(tlsFlags(args.values), dir);
  // Store faults (LevelDB: a failed write latches the store until a fresh handle opens) go to the app's log.
  const faults: { log?: (fault: LevelStoreFault) => void } = {};
  const { gw, store } = await openGateway(dir, args.values.store, { onStoreFault: (f) => faults.log?.(f) });
  const https = tls === undefined ? undefined : { cert: tls.cert, key: tls.key };
  const local = localToken(Date.now());
  const { app } = await buildGateway({
    store,
    keys: gw.keys,
    config: gw.config,
    https,
    localTokens: [local.record],
    verifyWorkers: availableParallelism(),
  });
  faults.log = (fault) => logStoreFault(app.log, fault);
  let address: string;
  try {
    address = await app.listen({ host, port: Number(portText) });
  } catch (cause) {
    await app.close();
    await store.close();
    throw listenError(host, Number(portText), cause);
  }
  const opened = await openLocalEndpoint(app, dir, local.token);
  if ('unavailable' in opened)
    io.err(
      `Peringatan: ${serveFileName} tidak dapat ditulis; report, reconcile dan agents list tidak dapat bertanya ` +
        `ke serve ini / Warning: cannot write ${serveFileName} (${opened.unavailable}); report, reconcile and ` +
        'agents list cannot ask this server\n',
    );
  const endpoint: LocalEndpoint | undefined = 'unavailable' in opened ? undefined : opened;
  const modem =
    gw.config.modem === undefined
      ? undefined
      : new ModemSupervisor({ ...gw.config.modem, store, logger: app.log as unknown as Logger });
  modem?.start();
  io.err(
    `edc-gateway mendengarkan di / listening on ${address} ` +
      `(docs: ${address}/docs, dasbor / dashboard: ${address}/dashboard); Ctrl-C untuk berhenti / to stop\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await modem?.stop();
  await endpoint?.close();
  await app.close();
  await store.close();
  return 0;
}
