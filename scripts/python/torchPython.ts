// The tests' PyTorch: a Python interpreter that imports torch, installing
// Debian's python3-torch (and python3-torchvision) with apt-get when none
// does, as the e2e set-up installs Chromium. Where that cannot happen the
// caller gets an error that says why; the PyTorch tests fail with it rather
// than skip.
//
// Run on its own: `npx tsx scripts/python/torchPython.ts`.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

/** Debian's interpreter: the one python3-torch installs into (a pyenv `python3` on PATH does not see it). */
const DEBIAN_PYTHON = '/usr/bin/python3';
// OpenBLAS: with Debian's default reference BLAS (libblas3), torch's Linear
// and LSTM layers run 4–5× slower (measured: MLP 784-128-64-10 at batch 64,
// 9.1k vs 39.4k samples/s), which would make every PyTorch comparison of
// `npm run bench` flatter us.
const APT_PACKAGES = ['python3-torch', 'python3-torchvision', 'libopenblas0-pthread'];

export interface TorchPython {
  /** The interpreter's path (or command name). */
  python: string;
  /** `torch.__version__`, e.g. `1.13.1`. */
  torchVersion: string;
}

/** PyTorch cannot be had on this machine; the message says why. */
export class TorchUnavailable extends Error {
  override name = 'TorchUnavailable';
}

/** The torch version that `python` imports, or null when it does not run or has no torch. */
export function torchVersionOf(python: string): string | null {
  const result = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) return null;
  return result.stdout.trim().split('\n').pop() ?? null;
}

function candidates(): string[] {
  const fromEnv = process.env.NEURAL_DEBUGGER_TEST_PYTHON;
  return [...(fromEnv ? [fromEnv] : []), DEBIAN_PYTHON, 'python3'];
}

let cached: TorchPython | undefined;

/** Finds (or installs, once) a Python with torch; throws TorchUnavailable with the reason. */
export function ensureTorchPython(log: (line: string) => void = () => undefined): TorchPython {
  if (cached) return cached;
  for (const python of candidates()) {
    const torchVersion = torchVersionOf(python);
    if (torchVersion) return (cached = { python, torchVersion });
  }
  installWithApt(log);
  const torchVersion = torchVersionOf(DEBIAN_PYTHON);
  if (!torchVersion) throw new TorchUnavailable(`apt-get installed ${APT_PACKAGES.join(' ')} but ${DEBIAN_PYTHON} cannot import torch`);
  return (cached = { python: DEBIAN_PYTHON, torchVersion });
}

function installWithApt(log: (line: string) => void): void {
  const tried = candidates().join(', ');
  if (spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status !== 0) {
    throw new TorchUnavailable(`no Python with torch (tried ${tried}) and apt-get is not available: install PyTorch, or set NEURAL_DEBUGGER_TEST_PYTHON`);
  }
  if (process.getuid?.() !== 0) {
    throw new TorchUnavailable(`no Python with torch (tried ${tried}); run as root, or: sudo apt-get install -y ${APT_PACKAGES.join(' ')}`);
  }
  log(`PyTorch set-up: apt-get install ${APT_PACKAGES.join(' ')} (once, ~1-2 min)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...APT_PACKAGES]]) {
    const result = spawnSync('apt-get', args, { env, encoding: 'utf8', timeout: 600_000 });
    if (result.status !== 0) {
      const tail = `${result.stderr ?? ''}${result.error?.message ?? ''}`.trim().split('\n').slice(-3).join(' | ');
      throw new TorchUnavailable(`apt-get ${args.join(' ')} failed (exit ${result.status}): ${tail}`);
    }
  }
  if (!fs.existsSync(DEBIAN_PYTHON)) throw new TorchUnavailable(`apt-get installed ${APT_PACKAGES.join(' ')} but ${DEBIAN_PYTHON} is missing`);
}

// Bundled into another entry (bench/pytorch.ts uses torchVersionOf: dist/bench.js), `module` is the bundle's own
// and so require.main: run only when this file is the script started.
if (require.main === module && /torchPython\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  try {
    const found = ensureTorchPython((line) => console.log(line));
    console.log(`${found.python}: torch ${found.torchVersion}`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  }
}
