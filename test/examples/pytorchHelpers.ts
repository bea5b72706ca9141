// Running the PyTorch examples (examples/pytorch/*.py) under the tests' Python
// with torch (scripts/python/torchPython.ts: found, or installed with apt-get,
// or a failure that says why — never a skip).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ensureTorchPython } from '../../scripts/python/torchPython';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples', 'pytorch');

export interface PythonResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

// One thread each: the test machines are small and shared; the examples' results do not depend on it.
const QUIET_THREADS = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

/** Runs the torch Python with `args` in the repository root. */
export function runPython(args: string[], timeoutMs = 120_000): PythonResult {
  const { python } = ensureTorchPython((line) => console.log(line));
  const result = spawnSync(python, args, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, ...QUIET_THREADS, PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (result.error) throw new Error(`${python} ${args.join(' ')}: ${result.error.message}`);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs examples/pytorch/`script` as a user would: `python3 examples/pytorch/SCRIPT args…`. */
export function runExample(script: string, args: string[], timeoutMs?: number): PythonResult {
  return runPython([path.join('examples', 'pytorch', script), ...args], timeoutMs);
}

/** Imports the example modules (their `main()` does not run) and prints the JSON that `code` prints last. */
export function pythonJson<T>(code: string): T {
  const prelude = `import sys, json; sys.path.insert(0, ${JSON.stringify(EXAMPLES_DIR)})\n`;
  const r = runPython(['-c', prelude + code]);
  if (r.code !== 0) throw new Error(`python exited ${r.code}:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as T;
}

/** Describes a run for assertion messages. */
export function show(r: PythonResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}
