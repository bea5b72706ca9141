// Launching a PyTorch script: the interpreter setting, F5 on an open .py
// file, workspace trust, and the adapter's checks of "python" and "args".
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readSettings, resolveLaunchDefaults, resolveLaunchPaths, type NeuralLaunchConfig, type ResolveContext } from '../../src/extension/launchConfig';
import { modelFileKind, whyNotTrainable } from '../../src/extension/modelFiles';
import { resolveLaunchArguments } from '../../src/debug/launchArgs';

const folder = path.resolve('/ws');
function context(over: Partial<ResolveContext> = {}): ResolveContext {
  return { workspaceFolder: folder, settings: {}, workspaceTrusted: true, fallbackRunsDir: '/storage/runs', now: new Date(2026, 0, 1), ...over };
}

describe('extension: launching a PyTorch script', () => {
  it('F5 on an open .py file trains it with the neuralDebugger.python interpreter; the configuration\'s own "python" wins', () => {
    const script = path.join(folder, 'train.py');
    assert.equal(modelFileKind(script), 'pytorch');
    let r = resolveLaunchDefaults({}, context({ activeFile: script, settings: { python: '/opt/venv/bin/python' } }));
    assert.ok('config' in r);
    assert.equal(r.config.program, script);
    assert.equal(r.config.python, '/opt/venv/bin/python');
    r = resolveLaunchDefaults({ program: script, python: '/usr/bin/python3' }, context({ settings: { python: '/opt/venv/bin/python' } }));
    assert.ok('config' in r && r.config.python === '/usr/bin/python3');
    // Not for a spec.
    r = resolveLaunchDefaults({ program: path.join(folder, 'm.nn.json') }, context({ settings: { python: '/opt/venv/bin/python' } }));
    assert.ok('config' in r && r.config.python === undefined);
    assert.deepEqual(readSettings({ python: 3 }), { error: 'setting neuralDebugger.python: expected the path of a Python interpreter, got 3' });
  });

  it('a script runs code: refused in restricted mode, with the reason', () => {
    const script = path.join(folder, 'train.py');
    assert.match(whyNotTrainable(script, false)!, /train\.py is a Python script: training it runs its code/);
    assert.equal(whyNotTrainable(script, true), null);
    const r = resolveLaunchPaths({ type: 'neural', request: 'launch', name: 'x', program: script } as NeuralLaunchConfig, context({ workspaceTrusted: false }));
    assert.ok('error' in r);
  });

  it('the adapter checks "python" and "args", and refuses them for a model that is not a script', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nd-pylaunch-'));
    const script = path.join(dir, 'train.py');
    fs.writeFileSync(script, 'print(1)\n');
    const spec = path.join(dir, 'm.nn.json');
    fs.writeFileSync(spec, '{}');
    assert.deepEqual(
      (({ python, scriptArgs }) => ({ python, scriptArgs }))(resolveLaunchArguments({ program: script, python: '/usr/bin/python3', args: ['--lr', '0.1'] })),
      { python: '/usr/bin/python3', scriptArgs: ['--lr', '0.1'] },
    );
    assert.throws(() => resolveLaunchArguments({ program: script, args: '--lr 0.1' }), /expected a list of strings/);
    assert.throws(() => resolveLaunchArguments({ program: script, python: 3 }), /expected the path of a Python interpreter/);
    assert.throws(() => resolveLaunchArguments({ program: spec, args: ['x'] }), /applies to a PyTorch script/);
  });
});
