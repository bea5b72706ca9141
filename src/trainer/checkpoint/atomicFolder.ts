// Writing a folder of files atomically: the files go into a temporary sibling
// folder `.tmp-<name>-<pid>`, are fsynced, and the folder is renamed to its
// final name. A crash or a full disk therefore never leaves a half-written
// folder under the final name.
//
// Linux cannot rename a folder over a non-empty one, so replacing an existing
// folder takes two renames: old → `.old-<name>-<pid>`, new → final. A crash
// between them leaves the previous folder complete under the `.old-` name; the
// next write into the same parent folder (by any process) moves it back.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../shared/errors';

export interface AtomicWriteOptions {
  /**
   * Replaces the function that writes one file into the temporary folder
   * (tests inject disk-full failures with it). It must write and fsync `data`
   * to `file`.
   */
  writeFile?: (file: string, data: Uint8Array) => void;
  /**
   * Called with the existing folder before it is replaced; return false to
   * refuse (e.g. it is not a checkpoint). Default: replace.
   */
  mayReplace?: (existing: string) => boolean;
}

function describeWriteError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the disk is full; free some space or choose another folder';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'no permission to write here; choose a writable folder';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a part of the path is a file, not a folder; choose another folder';
    default:
      return `cannot write: ${err.message}`;
  }
}

/** Writes `data` to a new file and forces it to the disk. */
function writeFileDurably(file: string, data: Uint8Array): void {
  const fd = fs.openSync(file, 'wx');
  try {
    for (let done = 0; done < data.length;) {
      done += fs.writeSync(fd, data, done, data.length - done);
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Forces a folder's entries (creations, renames) to the disk. */
function fsyncFolder(folder: string): void {
  const fd = fs.openSync(folder, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temporaries left in `parent` by processes that died mid-write, and
 * puts back a previous folder whose replacement was interrupted between the
 * two renames (its `.old-` copy is complete; the final name is missing).
 */
function recoverInterruptedWrites(parent: string): void {
  const pattern = /^\.(tmp|old)-(.+)-(\d+)$/;
  for (const entry of fs.readdirSync(parent)) {
    const match = pattern.exec(entry);
    if (!match || isProcessAlive(Number(match[3]))) continue;
    const leftover = path.join(parent, entry);
    if (!fs.statSync(leftover).isDirectory()) continue;
    const finalDir = path.join(parent, match[2]);
    if (match[1] === 'old' && !fs.existsSync(finalDir)) fs.renameSync(leftover, finalDir);
    else fs.rmSync(leftover, { recursive: true, force: true });
  }
}

/**
 * Writes `files` (name → bytes) as the folder `finalDir`, replacing an
 * existing folder of that name only once the new one is complete. Errors are
 * `UserError({file: finalDir})`; after an error no temporary is left behind
 * and an earlier folder under `finalDir` is intact.
 */
export function writeFolderAtomically(finalDir: string, files: [name: string, data: Uint8Array][], options: AtomicWriteOptions = {}): void {
  const target = path.resolve(finalDir);
  const parent = path.dirname(target);
  const name = path.basename(target);
  const temporary = path.join(parent, `.tmp-${name}-${process.pid}`);
  const previous = path.join(parent, `.old-${name}-${process.pid}`);
  const writeFile = options.writeFile ?? writeFileDurably;
  let movedAside = false;
  try {
    fs.mkdirSync(parent, { recursive: true });
    recoverInterruptedWrites(parent);
    fs.rmSync(temporary, { recursive: true, force: true });
    fs.mkdirSync(temporary);
    for (const [fileName, data] of files) writeFile(path.join(temporary, fileName), data);
    fsyncFolder(temporary);
    if (fs.existsSync(target)) {
      if (options.mayReplace && !options.mayReplace(target)) {
        throw new UserError({
          file: finalDir,
          message: 'this folder exists and is not a checkpoint; refusing to replace it. Choose another checkpoint folder',
        });
      }
      fs.rmSync(previous, { recursive: true, force: true });
      fs.renameSync(target, previous);
      movedAside = true;
    }
    fs.renameSync(temporary, target);
    if (movedAside) fs.rmSync(previous, { recursive: true, force: true });
    fsyncFolder(parent);
  } catch (e) {
    try {
      fs.rmSync(temporary, { recursive: true, force: true });
      if (movedAside && !fs.existsSync(target)) fs.renameSync(previous, target);
    } catch {
      // The original error matters more; the next write recovers leftovers.
    }
    if (e instanceof UserError) throw e;
    throw new UserError({ file: finalDir, message: describeWriteError(e as NodeJS.ErrnoException) });
  }
}
