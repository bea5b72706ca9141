// Compiles the project's own wasm kernels (src/trainer/backend/native/assembly,
// AssemblyScript) into dist/: `native-kernels.wasm` (wasm SIMD) and
// `native-kernels-relaxed.wasm` (the same source with relaxed SIMD, whose
// fused multiply-add V8 compiles to vfmadd). Both import the memory of
// tfjs-backend-wasm and work in place on its tensors, so they must not bring
// data segments or a memory of their own: checked here, failing the build.
import asc from 'assemblyscript/asc';
import { readFileSync, mkdirSync } from 'node:fs';

const ENTRY = 'src/trainer/backend/native/assembly/index.ts';
// The `-shared` builds import a shared memory (max 4 GiB, as emscripten's
// heap): the trainer loads them, on the main thread and in every kernel
// worker, when tfjs-backend-wasm's heap was made shared for a thread pool
// (src/trainer/backend/native/sharedHeap.ts, threadPool.ts).
export const NATIVE_OUTPUTS = [
  { file: 'dist/native-kernels.wasm', features: ['simd'] },
  { file: 'dist/native-kernels-relaxed.wasm', features: ['simd', 'relaxed-simd'] },
  { file: 'dist/native-kernels-shared.wasm', features: ['simd', 'threads'], shared: true },
  { file: 'dist/native-kernels-relaxed-shared.wasm', features: ['simd', 'relaxed-simd', 'threads'], shared: true },
];

/** Section ids of a wasm binary (https://webassembly.github.io/spec/core/binary/modules.html). */
function sectionIds(bytes) {
  const ids = [];
  let p = 8;
  while (p < bytes.length) {
    const id = bytes[p++];
    let size = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[p++];
      size |= (b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) === 0) break;
    }
    ids.push(id);
    p += size;
  }
  return ids;
}

export async function buildNative() {
  mkdirSync('dist', { recursive: true });
  for (const { file, features, shared } of NATIVE_OUTPUTS) {
    const args = [ENTRY, '-O3', '--runtime', 'stub', '--importMemory', '--noExportMemory', '--outFile', file];
    if (shared) args.push('--sharedMemory', '--maximumMemory', '65536');
    for (const f of features) args.push('--enable', f);
    let errors = '';
    const { error } = await asc.main(args, {
      stderr: {
        write: (s) => {
          errors += s;
          return true;
        },
      },
    });
    if (error) throw new Error(`AssemblyScript build of ${ENTRY} failed:\n${errors || error.message}`);
    const ids = sectionIds(readFileSync(file));
    // 5 = memory, 11 = data: either would clobber tfjs-backend-wasm's heap.
    if (ids.includes(5) || ids.includes(11)) {
      throw new Error(`${file} declares its own memory or data segments (sections ${ids.join(',')}); native kernels must only use the imported memory`);
    }
  }
}
