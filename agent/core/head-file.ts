/**
 * The head record file (head-record.ts) held open while its ledger is open, so a round's record
 * costs one call to the disk: a positioned write on a descriptor opened with O_DSYNC, which
 * returns only once the data (and the metadata needed to read it back) is durable, as write +
 * fdatasync would. Before this, each round opened the file, wrote, synced and closed it: four
 * trips through libuv's thread pool plus a stat, each one a place to wait behind other work.
 *
 * The handle lives as long as the ledger's database handle: openLedgerDb registers the folder,
 * its close() releases it. A write for a folder whose ledger is not open (none is registered)
 * opens and closes the file around that one write. After any failed write the handle is closed
 * and dropped, so the next write (after recovery reopens the ledger) starts from a fresh one.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

interface Held {
  file: Promise<FileHandle> | undefined;
}

/** Folders whose ledger is open -> their head record file, opened on its first write. */
const held = new Map<string, Held>();

const flags = constants.O_RDWR | constants.O_DSYNC;

/** Head record writes handed to the disk and not yet settled, across every ledger (diagnostics). */
let writesPending = 0;

export function headFileWritesPending(): number {
  return writesPending;
}

/** The ledger at `dir` opened: later writes of its head record keep one descriptor. */
export function holdHeadFile(dir: string): void {
  if (!held.has(dir)) held.set(dir, { file: undefined });
}

/** The ledger at `dir` closed: closes its head record descriptor, if one was opened. */
export async function releaseHeadFile(dir: string): Promise<void> {
  const entry = held.get(dir);
  held.delete(dir);
  await closeQuietly(entry?.file);
}

/** Descriptors held open now (tests check that closing a ledger leaves none). */
export function heldHeadFiles(): number {
  return [...held.values()].filter((entry) => entry.file !== undefined).length;
}

/** Writes `bytes` at `position` of the existing file at `path` durably (O_DSYNC). */
export async function writeHeadFileDurably(dir: string, path: string, bytes: Buffer, position: number): Promise<void> {
  const entry = held.get(dir);
  if (entry === undefined) {
    const file = await open(path, flags);
    try {
      await writeAll(file, bytes, position);
    } finally {
      await file.close();
    }
    return;
  }
  entry.file ??= open(path, flags);
  const current = entry.file;
  try {
    await writeAll(await current, bytes, position);
  } catch (error) {
    if (entry.file === current) entry.file = undefined;
    await closeQuietly(current);
    throw error;
  }
}

async function writeAll(file: FileHandle, bytes: Buffer, position: number): Promise<void> {
  writesPending += 1;
  let bytesWritten: number;
  try {
    ({ bytesWritten } = await file.write(bytes, 0, bytes.length, position));
  } finally {
    writesPending -= 1;
  }
  if (bytesWritten !== bytes.length)
    throw new Error(`short write of the head record: ${bytesWritten} of ${bytes.length} bytes`);
}

async function closeQuietly(file: Promise<FileHandle> | undefined): Promise<void> {
  if (file === undefined) return;
  await file.then((handle) => handle.close()).catch(() => undefined);
}
