// Runs a bundled model module inside the trainer child, and every later call
// into its code, with a time limit and with errors mapped back to the user's
// file, line and column.
//
// Why `vm.compileFunction` and not `require` of the bundle written to a temp
// file: the module must get the trainer's own TensorFlow.js instance for
// `require('@tensorflow/tfjs')`, and a file-based require resolves that from
// wherever the file lies — from a temp dir it fails, from the user's folder it
// may load a second tfjs copy (own backend registry, own tensors: nothing
// would train). compileFunction takes our own `require`, runs in this realm
// (a Float32Array from the module is a Float32Array here), and keeps line and
// column exact (no wrapper line), so the source map applies as is. This is
// the only place the trainer runs code it did not ship; issue 9's scan for
// eval/new Function in bundles does not apply to it (neither is used).

import * as tf from '@tensorflow/tfjs';
import { builtinModules, isBuiltin } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { UserError, isUserError } from '../../shared/errors';
import { originalPosition, type ModuleBundle, type OriginalPosition } from './bundle';
import { MODULE_TIMEOUT_ENV, userCodeReturned, userCodeStarted } from '../../node/userCodePhases';

/** `@tensorflow/*` packages that resolve to the trainer's own tfjs namespace. */
const TF_NAMESPACE_PACKAGES = new Set([
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-data',
  '@tensorflow/tfjs-converter',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
]);

export class UserCode {
  private readonly bundleFile: string;
  /** Layer → where in the module file it was created (for stack frames and the graph view). */
  readonly layerSites = new Map<tf.layers.Layer, OriginalPosition>();
  /** The tfjs namespace the module sees: the trainer's own, with layer creation recorded. */
  readonly tf: typeof tf;

  constructor(
    readonly bundle: ModuleBundle,
    private timeoutMs: number,
    private readonly progress: (message: string) => void,
  ) {
    // Not a real file: it names the bundle in stack traces.
    this.bundleFile = `${bundle.file}.bundle.js`;
    this.tf = this.recordingNamespace();
    // An error deep inside tfjs (a layer applied to the wrong shape) has more
    // than the default 10 frames above the user's call; keep enough to reach it.
    Error.stackTraceLimit = Math.max(Error.stackTraceLimit, 50);
  }

  get file(): string {
    return this.bundle.file;
  }

  /** The limit for the calls after this one (the module's `timeoutSeconds`). */
  setTimeLimit(ms: number): void {
    this.timeoutMs = ms;
  }

  /** Evaluates the bundle (the module's top-level code) and returns its exports. */
  async evaluate(): Promise<Record<string, unknown>> {
    const fn = vm.compileFunction(this.bundle.code, ['exports', 'require', 'module', '__filename', '__dirname'], {
      filename: this.bundleFile,
    });
    const module = { exports: {} as Record<string, unknown> };
    const requireForModule = (name: string): unknown => this.require(name);
    await this.call(`the top-level code of ${path.basename(this.file)}`, () =>
      fn(module.exports, requireForModule, module, this.file, path.dirname(this.file)),
    );
    return module.exports;
  }

  /**
   * Calls into the module's code: announces it (the parent's watchdog), waits
   * at most the time limit for a promise, and turns whatever it throws into a
   * UserError at the user's line.
   */
  async call<T>(what: string, fn: () => T | Promise<T>): Promise<T> {
    this.progress(userCodeStarted(what, this.timeoutMs));
    // Let the announcement leave before code that may block the event loop.
    await new Promise<void>((resolve) => setImmediate(resolve));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.timeoutError(what)), this.timeoutMs);
    });
    try {
      const result = await Promise.race([Promise.resolve().then(fn), timeout]);
      this.progress(userCodeReturned(what));
      return result;
    } catch (e) {
      throw this.toUserError(e, what);
    } finally {
      clearTimeout(timer);
    }
  }

  private timeoutError(what: string): UserError {
    return new UserError({
      file: this.file,
      message:
        `${what} did not finish within ${this.timeoutMs / 1000} s (a promise that never settles, or an endless loop?); ` +
        `if it needs longer, export "timeoutSeconds" from the module or set ${MODULE_TIMEOUT_ENV} (seconds)`,
    });
  }

  /** A UserError for something thrown by the module's code, at the deepest frame in the user's own files. */
  toUserError(e: unknown, what: string): unknown {
    if (isUserError(e)) return e;
    const error = e instanceof Error ? e : null;
    const text = error ? `${error.name}: ${error.message}` : `${String(e)} (thrown value)`;
    const frames = error ? this.userFrames(error.stack ?? '') : [];
    const at = frames[0];
    // Thrown in a helper file: also say where the module called into it.
    const caller = at && at.file !== this.file ? frames.find((f) => f.file === this.file) : undefined;
    const via = caller ? ` (called from ${path.basename(caller.file)}:${caller.line}:${caller.column})` : '';
    return new UserError({ file: at?.file ?? this.file, line: at?.line, column: at?.column, message: `${what} threw ${text}${via}` });
  }

  /** Stack frames in the user's own files (not node_modules), innermost first; else all frames in the bundle. */
  private userFrames(stack: string): OriginalPosition[] {
    const positions = this.bundleFrames(stack);
    const own = positions.filter((p) => !p.file.split(path.sep).includes('node_modules'));
    return own.length > 0 ? own : positions;
  }

  /** Frames of a stack trace that lie in the bundle, mapped to the original files. */
  private bundleFrames(stack: string): OriginalPosition[] {
    const positions: OriginalPosition[] = [];
    const marker = `${this.bundleFile}:`;
    for (const line of stack.split('\n')) {
      const at = line.lastIndexOf(marker);
      if (at < 0) continue;
      const match = /^(\d+):(\d+)/.exec(line.slice(at + marker.length));
      if (!match) continue;
      const original = originalPosition(this.bundle, Number(match[1]), Number(match[2]));
      if (original) positions.push(original);
    }
    return positions;
  }

  private require(name: string): unknown {
    if (TF_NAMESPACE_PACKAGES.has(name)) return this.tf;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module's own require, answered at run time
    if (isBuiltin(name)) return require(name);
    if (name.startsWith('@tensorflow/')) {
      // Other tfjs packages (e.g. a backend) from the trainer's own installation.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a package the module names at run time
      return require(name);
    }
    // esbuild bundles everything else; reaching here means a dynamic require.
    throw new Error(
      `cannot load '${name}' at run time: model modules may import packages statically (bundled), Node built-ins (${builtinModules.length} of them) and @tensorflow/*`,
    );
  }

  /** The tfjs namespace with every `tf.layers.*` factory recording the module line that called it. */
  private recordingNamespace(): typeof tf {
    const layers: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(tf.layers)) {
      // Classes (Layer, RNN, RNNCell) stay as they are: user layers extend them.
      if (typeof value !== 'function' || /^[A-Z]/.test(name)) {
        layers[name] = value;
        continue;
      }
      const factory = value as (...args: unknown[]) => unknown;
      const record = (layer: unknown) => this.recordLayerSite(layer);
      layers[name] = function (this: unknown, ...args: unknown[]) {
        const layer = factory.apply(this, args);
        record(layer);
        return layer;
      };
    }
    return { ...tf, layers } as unknown as typeof tf;
  }

  private recordLayerSite(layer: unknown): void {
    if (!(layer instanceof tf.layers.Layer)) return;
    const stack = new Error().stack ?? '';
    // The call in the module file itself: for a layer made in a helper file,
    // the line that called the helper.
    const site = this.bundleFrames(stack).find((p) => p.file === this.file);
    if (site) this.layerSites.set(layer, site);
  }
}
