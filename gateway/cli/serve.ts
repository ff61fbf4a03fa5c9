/** edc-gateway serve --dir D [--host 127.0.0.1] [--port 8080]: runs the HTTP gateway until SIGINT/SIGTERM. */
import { availableParallelism } from 'node:os';
import { buildGateway } from '../app.ts';
import { ERR_LISTEN } from '../errors.ts';
import { openGateway, withStoreOption } from './open.ts';
import { parse, required, usageError, type CliIo, type CommandSpec } from './io.ts';

export const serveSpec: CommandSpec = withStoreOption({
  name: 'serve',
  usage: `edc-gateway serve --dir D [--host 127.0.0.1] [--port 8080]

Menjalankan gateway HTTP sampai SIGINT/SIGTERM (Ctrl-C): API agen, API staf, /docs,
/dashboard, /healthz, /readyz dan /metrics. Selama berjalan, serve memegang kunci
penyimpanan: perintah agents, tokens, import, reconcile dan report menunggu sampai serve
dihentikan (pakai rute HTTP staf selama itu). Dengan --store postgres://... kunci itu tidak ada:
beberapa serve (replika) dan semua perintah itu boleh berjalan bersamaan. / Serves the agent API, staff API, /docs,
/dashboard, /healthz, /readyz and /metrics until SIGINT/SIGTERM (Ctrl-C). While it runs it holds
the store lock: agents, tokens, import, reconcile and report fail with EDC_ERR_STORE_LOCKED until
it stops (use the staff HTTP routes meanwhile). With --store postgres://... there is no such lock:
several serve processes (replicas) and all those commands may run at once.

  --dir D      folder gateway / gateway directory
  --host H     alamat / address to listen on (default 127.0.0.1)
  --port N     port (0-65535, default 8080; 0: any free port)`,
  options: { dir: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' } },
});

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
  const { gw, store } = await openGateway(dir, args.values.store);
  const { app } = await buildGateway({
    store,
    keys: gw.keys,
    config: gw.config,
    verifyWorkers: availableParallelism(),
  });
  let address: string;
  try {
    address = await app.listen({ host, port: Number(portText) });
  } catch (cause) {
    await app.close();
    await store.close();
    throw listenError(host, Number(portText), cause);
  }
  io.err(
    `edc-gateway mendengarkan di / listening on ${address} ` +
      `(docs: ${address}/docs, dasbor / dashboard: ${address}/dashboard); Ctrl-C untuk berhenti / to stop\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await app.close();
  await store.close();
  return 0;
}
