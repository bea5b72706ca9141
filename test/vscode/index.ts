// Entry of the in-host test suite (dist/test/vscode/index.js): VS Code loads
// it into the extension host named by --extensionTestsPath (test-electron,
// the "Extension Tests" launch configuration, or code-server's
// `payload=[["extensionTestsPath", …]]`) and calls `run()`. Mocha runs inside
// the extension host against the real `vscode` API.
//
// The result goes three ways: run() rejects when a test failed (VS Code then
// exits with code 1), the spec reporter prints every test, and when
// NEURAL_DEBUGGER_TEST_RESULT names a file, a JSON summary is written there
// (the code-server runner reads it; a browser-hosted workbench has no stdout).

import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export const RESULT_ENV = 'NEURAL_DEBUGGER_TEST_RESULT';

export interface InHostTestResult {
  title: string;
  fullTitle: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs: number;
  error?: string;
}

export interface InHostSuiteResult {
  passes: number;
  failures: number;
  pending: number;
  durationMs: number;
  tests: InHostTestResult[];
  /** Host facts, to tell which VS Code ran the suite. */
  host: { vscodeVersion: string; appName: string; uiKind: string; remoteName: string | null; node: string };
}

/** The suite files, in running order (esbuild bundles them: they are required after mocha's globals exist). */
function loadSuites(): void {
  /* eslint-disable @typescript-eslint/no-require-imports -- in order, after mocha's globals exist */
  require('./suite/activation.test');
  require('./suite/diagnostics.test');
  require('./suite/training.test');
  require('./suite/customRequests.test');
  require('./suite/commands.test');
  /* eslint-enable @typescript-eslint/no-require-imports */
}

export async function run(): Promise<void> {
  // Loaded here, not at the top: `vscode` exists only inside the extension host.
  const vscode = await import('vscode');
  const started = Date.now();
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'test/vscode/suite', mocha);
  loadSuites();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a suite file, loaded with the suites
  mocha.suite.afterAll(() => require('./suite/helpers').removeScratchDir());
  const tests: InHostTestResult[] = [];
  const failures = await new Promise<number>((resolve) => {
    const runner = mocha.run((n) => resolve(n));
    runner.on('pass', (t) => tests.push({ title: t.title, fullTitle: t.fullTitle(), state: 'passed', durationMs: t.duration ?? 0 }));
    runner.on('pending', (t) => tests.push({ title: t.title, fullTitle: t.fullTitle(), state: 'pending', durationMs: 0 }));
    runner.on('fail', (t, err: Error) =>
      tests.push({ title: t.title, fullTitle: t.fullTitle(), state: 'failed', durationMs: t.duration ?? 0, error: err?.stack ?? String(err) }),
    );
  });
  const result: InHostSuiteResult = {
    passes: tests.filter((t) => t.state === 'passed').length,
    failures,
    pending: tests.filter((t) => t.state === 'pending').length,
    durationMs: Date.now() - started,
    tests,
    host: {
      vscodeVersion: vscode.version,
      appName: vscode.env.appName,
      uiKind: vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop',
      remoteName: vscode.env.remoteName ?? null,
      node: process.version,
    },
  };
  const file = process.env[RESULT_ENV];
  if (file) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Written whole, then renamed: a reader never sees half a file.
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(result, null, 2));
    fs.renameSync(`${file}.tmp`, file);
  }
  console.log(`in-host suite: ${result.passes} passing, ${failures} failing, ${result.pending} pending (${vscode.env.appName} ${vscode.version})`);
  if (failures > 0) throw new Error(`${failures} in-host test(s) failed`);
}
