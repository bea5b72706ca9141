// The in-host suite (test/vscode: mocha inside the extension host against the
// real `vscode` API) run in code-server's extension host, as part of
// `npm test`. Each in-host test is reported here as a test of its own; the
// whole is skipped only when the e2e tools cannot be installed (the reason is
// printed), as in ./fixture.ts. `npm run test:vscode` runs the same suite in
// desktop VS Code (@vscode/test-electron) where VS Code can be downloaded.

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import Mocha from 'mocha';
import { formatResult, runInHostSuite, type InHostRun } from '../../scripts/e2e/inHost';
import { E2eUnavailable, REPO_ROOT } from '../../scripts/e2e/setup';

/** The in-host tests that must be there: a missing one fails, so none can vanish silently. */
const EXPECTED_AT_LEAST = 15;

describe('e2e: the in-host suite in code-server', function () {
  let run: InHostRun | undefined;

  before(async function () {
    this.timeout(6 * 60_000);
    // `npm test` / `npm run test:e2e` have just built; run alone, this file builds (~7 s).
    if (!/^test(:e2e)?$/.test(process.env.npm_lifecycle_event ?? '')) {
      const build = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT, encoding: 'utf8' });
      assert.equal(build.status, 0, `build failed:\n${build.stdout}${build.stderr}`);
    }
    try {
      run = await runInHostSuite({ log: (line) => console.log(`      ${line}`), timeoutMs: 4 * 60_000 });
    } catch (e) {
      if (!(e instanceof E2eUnavailable)) throw e;
      console.log(`      in-host suite skipped: ${e.message.split('\n')[0]}`);
      this.skip();
    }
    const { host } = run.result;
    console.log(
      `      ${host.appName} ${host.vscodeVersion} (${host.uiKind}, remote ${host.remoteName}, extension host on Node ${host.node}): ` +
        `start ${run.seconds.start.toFixed(1)} s, suite ${run.seconds.suite.toFixed(1)} s`,
    );
    // One mocha test per in-host test, added before this suite's tests run.
    const suite = this.test?.parent;
    assert.ok(suite);
    for (const t of run.result.tests) {
      const test = new Mocha.Test(`in host: ${t.fullTitle}`, function (this: Mocha.Context) {
        if (t.state === 'pending') this.skip();
        if (t.state === 'failed') throw new Error(`failed in the extension host:\n${t.error}`);
      });
      suite.addTest(test);
    }
  });

  it('ran every in-host test and the extension host reported success', () => {
    assert.ok(run);
    const { result } = run;
    if (result.failures > 0) console.log(formatResult(run));
    assert.ok(result.tests.length >= EXPECTED_AT_LEAST, `only ${result.tests.length} in-host tests ran (expected at least ${EXPECTED_AT_LEAST})`);
    assert.equal(result.failures, 0, `${result.failures} in-host test(s) failed`);
    assert.equal(result.passes, result.tests.length);
    // 0: run() resolved. null would mean the workbench never reported the exit.
    assert.equal(run.exitCode, 0, `the workbench reported extension host exit code ${run.exitCode}`);
  });
});
