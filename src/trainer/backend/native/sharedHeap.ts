// Makes tfjs-backend-wasm's heap a SharedArrayBuffer-backed WebAssembly.Memory,
// so kernel workers (./threadPool.ts) can run our native kernels in place on
// its tensors. tfjs ships a threaded build, but only for browsers (its
// pthreads need Web Workers and it switches threads off in Node); its SIMD
// build defines its own, unshared memory. While the backend starts,
// `WebAssembly.instantiate` is wrapped once: the SIMD binary's memory
// definition is rewritten into an import of `env.memory` declared shared (the
// same initial size, maximum 4 GiB as emscripten's heap limit) and a shared
// memory is passed in. The module itself is unchanged and needs no atomics:
// plain loads and stores on shared memory are valid wasm; emscripten's glue
// reads the memory back from the instance's exports and grows it as before.

/** Wasm pages (64 KiB) the shared heap may grow to: emscripten's 4 GiB limit. */
const MAX_PAGES = 65536;

function readLeb(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  let p = at;
  for (;;) {
    const b = bytes[p++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return [value, p];
  }
}

function leb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/**
 * The binary with its one defined memory turned into a shared import
 * `env.memory` (section ids: https://webassembly.github.io/spec/core/binary/modules.html),
 * and that memory's initial size in pages; throws when the module does not
 * define exactly one memory or has no import section.
 */
export function withSharedMemoryImport(bytes: Uint8Array): { bytes: Uint8Array<ArrayBuffer>; initialPages: number } {
  const sections: { id: number; body: Uint8Array }[] = [];
  for (let p = 8; p < bytes.length;) {
    const id = bytes[p];
    const [size, start] = readLeb(bytes, p + 1);
    sections.push({ id, body: bytes.subarray(start, start + size) });
    p = start + size;
  }
  const memory = sections.find((s) => s.id === 5);
  if (!memory || !sections.some((s) => s.id === 2)) throw new Error('the wasm module has no memory section or no import section to share');
  const [count, flagsAt] = readLeb(memory.body, 0);
  if (count !== 1) throw new Error(`the wasm module defines ${count} memories; expected 1`);
  const [initialPages] = readLeb(memory.body, flagsAt + 1);
  const name = (s: string) => [s.length, ...Buffer.from(s)];
  // import: module "env", name "memory", kind 2 (memory), limits 3 (shared, with maximum).
  const entry = [...name('env'), ...name('memory'), 2, 3, ...leb(initialPages), ...leb(MAX_PAGES)];
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const s of sections) {
    if (s.id === 5) continue;
    let body = s.body;
    if (s.id === 2) {
      const [imports, rest] = readLeb(s.body, 0);
      body = Buffer.concat([Buffer.from(leb(imports + 1)), s.body.subarray(rest), Buffer.from(entry)]);
    }
    parts.push(Uint8Array.from([s.id, ...leb(body.length)]), body);
  }
  return { bytes: new Uint8Array(Buffer.concat(parts)) as Uint8Array<ArrayBuffer>, initialPages };
}

/**
 * Runs `start` (which starts tfjs-backend-wasm) with every compile of a
 * module that defines its own memory and is given emscripten's imports
 * (`env` without `memory`) made to use a shared heap instead: tfjs may start
 * the backend twice concurrently (tf.findBackend begins an initialisation
 * that tf.setBackend does not wait for), and whichever instance it keeps must
 * be shared. Returns what `start` returns.
 */
export async function withSharedWasmHeap<T>(start: () => Promise<T>): Promise<T> {
  const original = WebAssembly.instantiate;
  const wrapped = (source: BufferSource | WebAssembly.Module, imports?: WebAssembly.Imports): Promise<unknown> => {
    const env = imports?.env as Record<string, unknown> | undefined;
    if (env && !('memory' in env) && !(source instanceof WebAssembly.Module)) {
      const view = source instanceof Uint8Array ? source : new Uint8Array(ArrayBuffer.isView(source) ? source.buffer : source);
      const shared = withSharedMemoryImport(view);
      env.memory = new WebAssembly.Memory({ initial: shared.initialPages, maximum: MAX_PAGES, shared: true });
      const module = new WebAssembly.Module(shared.bytes);
      return original(module, imports).then((instance) => ({ instance, module }));
    }
    return (original as (s: unknown, i?: WebAssembly.Imports) => Promise<unknown>)(source, imports);
  };
  (WebAssembly as { instantiate: unknown }).instantiate = wrapped;
  try {
    return await start();
  } finally {
    (WebAssembly as { instantiate: unknown }).instantiate = original;
  }
}
