/**
 * A real small filesystem for disk-full tests: a tmpfs of a few MiB mounted on a fresh folder (CI
 * runs as root; where mounting is not permitted the caller skips with a printed notice), and a
 * filler file that takes its free space.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallDisk {
  /** The mounted folder. */
  readonly path: string;
  /** Why the tmpfs could not be mounted; undefined when it is. */
  readonly cannotMount: string | undefined;
  /** Writes `filler` over all the free space but `spareBytes`; already full (ENOSPC) counts as done. */
  readonly fill: (spareBytes: number) => void;
  /** Removes the filler: the space comes back. */
  readonly free: () => void;
  /** Unmounts (lazily: a store left open by a failed assertion must not keep it busy) and removes the folder. */
  readonly remove: () => void;
}

export function mountSmallDisk(prefix: string, sizeMiB: number): SmallDisk {
  const path = mkdtempSync(join(tmpdir(), prefix));
  let cannotMount: string | undefined;
  if (process.getuid?.() !== 0) cannotMount = 'not running as root';
  else
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', path], { stdio: 'pipe' });
    } catch (error) {
      cannotMount = `mount -t tmpfs failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`;
    }
  const filler = join(path, 'filler');
  return {
    path,
    cannotMount,
    fill: (spareBytes) => {
      const stats = statfsSync(path);
      try {
        writeFileSync(filler, Buffer.alloc(Math.max(0, stats.bavail * stats.bsize - spareBytes)));
      } catch (error) {
        // The store wrote meanwhile, so the filler did not fit: the disk is full all the same.
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    },
    free: () => rmSync(filler, { force: true }),
    remove: () => {
      if (cannotMount === undefined) execFileSync('umount', ['-l', path]);
      rmSync(path, { recursive: true, force: true });
    },
  };
}
