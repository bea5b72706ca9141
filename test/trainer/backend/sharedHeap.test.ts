// The rewrite that lets kernel workers share tfjs-backend-wasm's heap
// (src/trainer/backend/native/sharedHeap.ts): the SIMD binary's own memory
// becomes an import of a shared memory, and nothing else changes.

import * as assert from 'assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withSharedMemoryImport } from '../../../src/trainer/backend/native/sharedHeap';

const TFJS_SIMD = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist', 'tfjs-backend-wasm-simd.wasm');

describe('shared wasm heap: the memory definition rewritten into a shared import', () => {
  const original = new WebAssembly.Module(fs.readFileSync(TFJS_SIMD));
  const { bytes, initialPages } = withSharedMemoryImport(new Uint8Array(fs.readFileSync(TFJS_SIMD)));
  const rewritten = new WebAssembly.Module(bytes);

  it('imports env.memory instead of defining one, and keeps every other import and export', () => {
    const memoryImports = WebAssembly.Module.imports(rewritten).filter((i) => i.kind === 'memory');
    assert.deepStrictEqual(memoryImports, [{ module: 'env', name: 'memory', kind: 'memory' }]);
    assert.deepStrictEqual(
      WebAssembly.Module.imports(rewritten).filter((i) => i.kind !== 'memory'),
      WebAssembly.Module.imports(original),
    );
    assert.deepStrictEqual(WebAssembly.Module.exports(rewritten), WebAssembly.Module.exports(original));
    assert.ok(initialPages >= 1);
  });

  it('links against a shared memory of its initial size, and refuses an unshared one', () => {
    const env: WebAssembly.ModuleImports = {};
    for (const i of WebAssembly.Module.imports(rewritten)) if (i.kind === 'function') env[i.name] = () => 0;
    const shared = new WebAssembly.Memory({ initial: initialPages, maximum: 65536, shared: true });
    const instance = new WebAssembly.Instance(rewritten, { env: { ...env, memory: shared }, wasi_snapshot_preview1: env });
    assert.strictEqual(instance.exports.memory, shared);
    const unshared = new WebAssembly.Memory({ initial: initialPages, maximum: 65536 });
    assert.throws(() => new WebAssembly.Instance(rewritten, { env: { ...env, memory: unshared }, wasi_snapshot_preview1: env }), WebAssembly.LinkError);
  });

  it('says why when the module defines no memory', () => {
    const noMemory = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    assert.throws(() => withSharedMemoryImport(noMemory), /no memory section or no import section/);
  });
});
