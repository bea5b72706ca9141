// How a launch that fails for the user's mistake is answered: showUser false
// (so VS Code's generic dialog, "Open 'launch.json'" first, stays away) with
// the file, field and line in the error's variables, which the extension
// shows (src/extension/launchFailures.ts). In process: the answer comes
// before any trainer starts.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { NeuralDebugSession } from '../../src/debug/session';

class AnswerRecorder extends NeuralDebugSession {
  readonly responses: DebugProtocol.Response[] = [];
  override sendResponse(response: DebugProtocol.Response): void {
    this.responses.push(response);
  }
  override sendEvent(): void {
    // Output events are not what this test reads.
  }
}

async function launch(args: Record<string, unknown>): Promise<DebugProtocol.ErrorResponse> {
  return failedAnswer('launch', args);
}

async function failedAnswer(command: string, args: Record<string, unknown>): Promise<DebugProtocol.ErrorResponse> {
  const session = new AnswerRecorder();
  try {
    session.handleMessage({ seq: 1, type: 'request', command, arguments: args } as DebugProtocol.Request);
    for (let i = 0; i < 100 && session.responses.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const [response] = session.responses;
    assert.ok(response, 'launch was answered');
    assert.equal(response.success, false);
    return response as DebugProtocol.ErrorResponse;
  } finally {
    session.dispose();
  }
}

describe('debug: errors the user caused', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nd-launch-fail-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a spec error is not for the generic dialog, and says where it is', async () => {
    const spec = path.join(dir, 'bad.nn.json');
    fs.writeFileSync(
      spec,
      '{\n  "data": { "source": "synthetic", "dataset": "spiral" },\n  "model": { "layers": [{ "type": "dense", "units": -3 }] },\n  "training": { "epochs": 1 }\n}\n',
    );
    const response = await launch({ program: spec });
    const error = response.body.error;
    assert.equal(error?.showUser, false);
    assert.equal(error?.variables?.file, spec);
    assert.equal(error?.variables?.line, '3');
    assert.match(response.message ?? '', /bad\.nn\.json:3:\d+: error: /);
  });

  it('a launch attribute error names the attribute', async () => {
    const response = await launch({ backend: 'wasm' });
    assert.equal(response.body.error?.showUser, false);
    assert.match(response.body.error?.variables?.message ?? '', /the model file to train is missing/);
    assert.equal(response.body.error?.variables?.field, 'program');
  });

  it('a typo in the Debug Console is answered there only (no notification)', async () => {
    for (const context of ['repl', 'watch', 'hover']) {
      const response = await failedAnswer('evaluate', { expression: 'los < 1', context });
      assert.equal(response.body.error?.showUser, false, context);
    }
  });
});
