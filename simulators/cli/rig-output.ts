/**
 * The rig's report file is checked before the run, not after it: a run can take minutes, and a
 * typo in the folder must not cost them. The folder must exist and be writable, and the path
 * must not be a folder; the file itself is written (or overwritten) when the run ends.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ERR_SIM_OUTPUT } from '../errors.ts';

async function kind(path: string): Promise<'file' | 'dir' | 'other' | 'missing'> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}

async function writable(path: string): Promise<boolean> {
  return access(path, constants.W_OK).then(
    () => true,
    () => false,
  );
}

export async function checkReportPath(path: string): Promise<void> {
  const full = resolve(path);
  const folder = dirname(full);
  const fail = (found: string): never => {
    throw new ERR_SIM_OUTPUT(`Cannot write the report to ${path}: ${found}`, { path });
  };
  const folderKind = await kind(folder);
  if (folderKind === 'missing') fail(`expected an existing folder, found no folder ${folder}`);
  if (folderKind !== 'dir') fail(`expected ${folder} to be a folder, found a file`);
  if (!(await writable(folder))) fail(`expected a folder this user may write to, found ${folder} read-only`);
  const target = await kind(full);
  if (target === 'dir') fail('expected a file name, found a folder');
  if (target === 'other') fail('expected a regular file, found a device, socket or pipe');
  if (target === 'file' && !(await writable(full))) fail('expected a writable file, found it read-only');
}
