// Where the probe's Python code is, and the environment the probe runs in.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** The probe's file descriptor for its pipe to the host (the host opens stdio[3]). */
const PROBE_FD = 3;

/** The extension's python/ folder: next to dist/ when bundled, at the repository root from sources. */
export function probePythonPath(): string {
  const here = __dirname;
  const folder = path.basename(here) === 'dist' ? path.join(here, '..', 'python') : path.join(here, '..', '..', 'python');
  if (!fs.existsSync(path.join(folder, 'neural_debugger_probe', '__main__.py'))) {
    throw new Error(`the PyTorch probe is missing: ${folder}/neural_debugger_probe (a broken installation)`);
  }
  return folder;
}

/** The probe's environment: the host's, with the probe's folder first on PYTHONPATH (nothing is installed). */
export function probeEnvironment(env: NodeJS.ProcessEnv, pythonPath: string): NodeJS.ProcessEnv {
  const existing = env.PYTHONPATH ? `${path.delimiter}${env.PYTHONPATH}` : '';
  return { ...env, PYTHONPATH: `${pythonPath}${existing}`, PYTHONUNBUFFERED: '1', NEURAL_DEBUGGER_PROBE_FD: String(PROBE_FD) };
}

/** A user-facing sentence for an interpreter that could not be started. */
export function interpreterMissing(python: string, error: NodeJS.ErrnoException): string {
  const why = error.code === 'ENOENT' ? 'was not found' : error.code === 'EACCES' ? 'is not executable' : `could not be started (${error.message})`;
  return (
    `the Python interpreter '${python}' ${why}: install Python 3 with PyTorch (e.g. apt-get install python3-torch), ` +
    'or name an interpreter that has it: the neuralDebugger.python setting in VS Code, "python" in the launch configuration, or --python on the command line'
  );
}
