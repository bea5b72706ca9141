// Resolving data paths from the spec (relative to the spec's folder, confined
// to the workspace when `dataRoot` is set) and reading data files, raw or gzip.

import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { UserError } from '../../shared/errors';
import type { LoadContext } from './types';

/** A path for messages: relative to the working directory when inside it, else absolute. */
export function displayPath(p: string): string {
  const relative = path.relative(process.cwd(), p);
  return relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? p : relative;
}

/** Follows symlinks in the longest existing prefix of `p` (the rest may not exist yet). */
function realpathOrSelf(p: string): string {
  let existing = p;
  const rest: string[] = [];
  while (!fs.existsSync(existing)) {
    const parent = path.dirname(existing);
    if (parent === existing) return p;
    rest.unshift(path.basename(existing));
    existing = parent;
  }
  try {
    return path.join(fs.realpathSync(existing), ...rest);
  } catch {
    return p;
  }
}

function isInside(folder: string, candidate: string): boolean {
  const relative = path.relative(folder, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Resolves a spec path against the spec file's folder and, when `ctx.dataRoot`
 * is set, refuses anything outside it (symlinks are followed before comparing).
 */
export function resolveDataPath(value: string, field: string, ctx: LoadContext): string {
  const resolved = path.resolve(path.dirname(path.resolve(ctx.specFile)), value);
  if (ctx.dataRoot !== undefined) {
    const root = realpathOrSelf(path.resolve(ctx.dataRoot));
    if (!isInside(path.resolve(ctx.dataRoot), resolved) || !isInside(root, realpathOrSelf(resolved))) {
      throw new UserError({
        file: ctx.specFile,
        field,
        message: `${resolved} is outside the workspace folder ${path.resolve(ctx.dataRoot)}; ` + 'data paths must stay inside it in an untrusted workspace',
      });
    }
  }
  return resolved;
}

/** Throws a `field` error unless `folder` is an existing directory. */
export function requireFolder(folder: string, field: string, ctx: LoadContext, hint = ''): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(folder);
  } catch {
    throw new UserError({ file: ctx.specFile, field, message: `folder ${folder} does not exist${hint}` });
  }
  if (!stat.isDirectory()) {
    throw new UserError({ file: ctx.specFile, field, message: `${folder} is a file, but a folder is expected${hint}` });
  }
}

/** Throws a `field` error unless `file` is an existing regular file. */
export function requireFile(file: string, field: string, ctx: LoadContext): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new UserError({ file: ctx.specFile, field, message: `file ${file} does not exist` });
  }
  if (!stat.isFile()) {
    throw new UserError({ file: ctx.specFile, field, message: `${file} is a folder, but a data file is expected` });
  }
}

/** The first of `names` that exists in `folder`, or null. */
export function findFirst(folder: string, names: string[]): string | null {
  for (const name of names) {
    const candidate = path.join(folder, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

/** A short listing of a folder for "expected X, found Y" messages. */
export function describeFolderContents(folder: string, limit = 12): string {
  let names: string[];
  try {
    names = fs.readdirSync(folder).sort();
  } catch {
    return 'it cannot be listed';
  }
  if (names.length === 0) return 'it is empty';
  const shown = names.slice(0, limit).join(', ');
  return `it contains ${shown}${names.length > limit ? `, … (${names.length} entries)` : ''}`;
}

/** Reads a file, gunzipping it when it starts with the gzip magic bytes. */
export function readMaybeGzip(file: string): Buffer {
  const bytes = fs.readFileSync(file);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return zlib.gunzipSync(bytes);
    } catch (e) {
      throw new UserError({
        file,
        message: `cannot decompress this gzip file (${(e as Error).message}); download it again or unpack it`,
      });
    }
  }
  return bytes;
}
