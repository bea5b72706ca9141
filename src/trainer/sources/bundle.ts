// Bundles a model module (`*.model.ts` / `*.model.js`) with esbuild at run
// time: TypeScript, the workspace's own imports and node_modules end up in one
// CommonJS text with an inline source map. `@tensorflow/*` stays external so
// the module gets the trainer's own TensorFlow.js instance (see userCode.ts).

import * as fs from 'node:fs';
import { SourceMap } from 'node:module';
import * as path from 'node:path';
import { UserError } from '../../shared/errors';

export interface ModuleBundle {
  /** The module file, absolute. */
  file: string;
  /** CommonJS code of the module and everything it imports, except `@tensorflow/*` and Node built-ins. */
  code: string;
  /** Maps positions in `code` back to the user's files. */
  sourceMap: SourceMap;
  /** Folder the source map's relative `sources` are resolved against. */
  sourceRoot: string;
}

export interface OriginalPosition {
  /** Absolute path of the user's file. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

type Esbuild = typeof import('esbuild');

function loadEsbuild(): Esbuild {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use: only model modules need esbuild
    return require('esbuild') as Esbuild;
  } catch (e) {
    throw new UserError({
      message: `model modules (*.model.ts, *.model.js) need the esbuild package, which did not load (${(e as Error).message}); reinstall Neural Debugger`,
    });
  }
}

/** Bundles `file`. Syntax and import errors become a UserError at the offending line. */
export function bundleModule(file: string): ModuleBundle {
  const absolute = path.resolve(file);
  if (!fs.existsSync(absolute)) throw new UserError({ file, message: 'file not found; give the path of a *.model.ts or *.model.js file' });
  const sourceRoot = path.dirname(absolute);
  const esbuild = loadEsbuild();
  let result;
  try {
    result = esbuild.buildSync({
      entryPoints: [absolute],
      absWorkingDir: sourceRoot,
      // Not written: only fixes what the source map's paths are relative to.
      outfile: path.join(sourceRoot, '__model-module.bundle.js'),
      write: false,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'inline',
      sourcesContent: false,
      external: ['@tensorflow/*'],
      logLevel: 'silent',
      // Keeps function names (`model`, `data`) readable in stack traces.
      keepNames: true,
    });
  } catch (e) {
    throw bundleError(e, absolute);
  }
  const code = result.outputFiles[0].text;
  const match = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
  if (!match) throw new Error('esbuild produced no inline source map');
  const sourceMap = new SourceMap(JSON.parse(Buffer.from(match[1], 'base64').toString('utf8')));
  return { file: absolute, code, sourceMap, sourceRoot };
}

interface EsbuildMessage {
  text: string;
  location: { file: string; line: number; column: number } | null;
  notes?: { text: string }[];
}

/** The first esbuild error as a UserError at its file, line and column. */
function bundleError(e: unknown, entry: string): unknown {
  const errors = (e as { errors?: EsbuildMessage[] }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return e;
  const first = errors[0];
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : '';
  const note = first.notes?.[0]?.text ? `; ${first.notes[0].text}` : '';
  if (!first.location) return new UserError({ file: entry, message: `${first.text}${note}${more}` });
  const file = path.resolve(path.dirname(entry), first.location.file);
  // esbuild lines are 1-based, columns 0-based.
  return new UserError({ file, line: first.location.line, column: first.location.column + 1, message: `${first.text}${note}${more}` });
}

/** Where a 1-based line/column of the bundle comes from, or null (esbuild's own helpers). */
export function originalPosition(bundle: ModuleBundle, line: number, column: number): OriginalPosition | null {
  const entry = bundle.sourceMap.findEntry(line - 1, column - 1) as {
    originalSource?: string;
    originalLine?: number;
    originalColumn?: number;
  };
  if (!entry || entry.originalSource === undefined || entry.originalLine === undefined) return null;
  return {
    file: path.resolve(bundle.sourceRoot, entry.originalSource),
    line: entry.originalLine + 1,
    column: (entry.originalColumn ?? 0) + 1,
  };
}
