import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  defaultTracePath,
  editorKernelThreads,
  initialConfigurations,
  readSettings,
  resolveLaunchDefaults,
  resolveLaunchPaths,
  type NeuralLaunchConfig,
  type ResolveContext,
} from '../../src/extension/launchConfig';

const folder = path.resolve('/ws');
const now = new Date(2026, 10, 28, 9, 5, 7);
function context(over: Partial<ResolveContext> = {}): ResolveContext {
  return { workspaceFolder: folder, settings: {}, workspaceTrusted: true, fallbackRunsDir: '/storage/runs', now, ...over };
}
function resolved<T>(r: T): NeuralLaunchConfig {
  assert.ok(r && typeof r === 'object' && 'config' in r, `expected a configuration, got ${JSON.stringify(r)}`);
  return (r as { config: NeuralLaunchConfig }).config;
}

describe('extension: launch configuration', () => {
  it('offers an initial configuration that trains the open file', () => {
    const [config] = initialConfigurations();
    assert.deepEqual({ type: config.type, request: config.request, program: config.program }, { type: 'neural', request: 'launch', program: '${file}' });
  });

  it('turns F5 with no launch.json on an open spec into "train this file" with the settings as defaults', () => {
    const spec = path.join(folder, 'spiral-mlp.nn.json');
    const config = resolved(resolveLaunchDefaults({}, context({ activeFile: spec, settings: { backend: 'wasm', statsEvery: 5, breakOn: ['dead-relu'] } })));
    assert.equal(config.type, 'neural');
    assert.equal(config.request, 'launch');
    assert.equal(config.program, spec);
    assert.equal(config.name, 'Train spiral-mlp');
    assert.equal(config.backend, 'wasm');
    assert.equal(config.statsEvery, 5);
    assert.deepEqual(config.breakOn, ['dead-relu']);
    assert.equal(config.histogramsEvery, undefined);
  });

  it('keeps what the launch configuration sets over the settings, and defaults breakOn to non-finite', () => {
    const config = resolved(
      resolveLaunchDefaults(
        { type: 'neural', request: 'launch', name: 'mine', program: 'a.nn.json', backend: 'cpu', breakOn: [] },
        context({ settings: { backend: 'wasm', breakOn: ['plateau'] } }),
      ),
    );
    assert.equal(config.name, 'mine');
    assert.equal(config.backend, 'cpu');
    assert.deepEqual(config.breakOn, []);
    assert.deepEqual(resolved(resolveLaunchDefaults({ program: 'a.nn.json' }, context())).breakOn, ['non-finite']);
    assert.equal(resolved(resolveLaunchDefaults({ program: 'a.nn.json' }, context())).backend, 'auto');
  });

  it('has nothing to train when no program is set and the active file is not a model', () => {
    assert.deepEqual(resolveLaunchDefaults({}, context({ activeFile: '/ws/readme.md' })), { noProgram: true });
    assert.deepEqual(resolveLaunchDefaults({}, context()), { noProgram: true });
  });

  it('rejects wrong settings, naming the setting', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ backend: 'gpu' }, /neuralDebugger\.backend: expected one of auto, node, wasm, cpu/],
      [{ statsEvery: 0 }, /neuralDebugger\.statsEvery/],
      [{ histogramsEvery: 2.5 }, /neuralDebugger\.histogramsEvery/],
      [{ breakOn: ['nan'] }, /neuralDebugger\.breakOn: unknown diagnostic kind "nan"/],
      [{ breakOn: 'non-finite' }, /neuralDebugger\.breakOn: expected a list/],
      [{ diagnostics: { 'dead-relu': { deadFraction: -1 } } }, /neuralDebugger\.diagnostics\.dead-relu\.deadFraction/],
      [{ diagnostics: { 'dead-reLU': {} } }, /neuralDebugger\.diagnostics\.dead-reLU: unknown diagnostic/],
      [{ runsWriteTrace: 'no' }, /neuralDebugger\.runs\.writeTrace: expected true or false, got "no"/],
      [{ runsKeepPerModel: -1 }, /neuralDebugger\.runs\.keepPerModel: expected a whole number of runs >= 0 \(0 keeps every run\), got -1/],
      [{ runsKeepPerModel: 2.5 }, /neuralDebugger\.runs\.keepPerModel/],
      [{ runsMaxSizeMB: '1GB' }, /neuralDebugger\.runs\.maxSizeMB: expected a size in MB >= 0/],
    ];
    for (const [settings, message] of cases) {
      const r = readSettings(settings);
      assert.ok('error' in r, JSON.stringify(settings));
      assert.match((r as { error: string }).error, message);
      assert.ok('error' in resolveLaunchDefaults({ program: 'a.nn.json' }, context({ settings })));
    }
    const ok = readSettings({ diagnostics: { plateau: false, 'vanishing-gradient': { layerRatio: 1e-4 } }, statsEvery: null });
    assert.deepEqual(ok, {
      backend: 'auto',
      breakOn: ['non-finite'],
      diagnostics: { plateau: false, 'vanishing-gradient': { layerRatio: 1e-4 } },
      runs: { writeTrace: true, retention: { keepPerModel: 20, maxTotalBytes: 1024 * 1024 * 1024 } },
    });
  });

  it('writes no trace when neuralDebugger.runs.writeTrace is false, unless the configuration names one', () => {
    const settings = { runsWriteTrace: false };
    const r = resolveLaunchPaths({ type: 'neural', request: 'launch', name: 'n', program: 'a.nn.json' }, context({ settings }));
    assert.equal(resolved(r).trace, undefined);
    assert.ok(!('trace' in resolved(r)), 'no trace attribute at all: the adapter starts the trainer without one');
    assert.ok(!('prune' in r), 'no runs folder to prune');
    const named = resolved(
      resolveLaunchPaths({ type: 'neural', request: 'launch', name: 'n', program: 'a.nn.json', trace: 'mine.jsonl' }, context({ settings })),
    );
    assert.equal(named.trace, path.join(folder, 'mine.jsonl'));
  });

  it('prunes the runs folder it writes into with the retention settings, not a folder the configuration names', () => {
    const settings = { runsKeepPerModel: 3, runsMaxSizeMB: 0.5 };
    const r = resolveLaunchPaths({ type: 'neural', request: 'launch', name: 'n', program: 'a.nn.json' }, context({ settings }));
    assert.ok('prune' in r);
    assert.deepEqual(r.prune, { dir: path.join(folder, '.neural-debugger', 'runs'), retention: { keepPerModel: 3, maxTotalBytes: 524288 } });
    const named = resolveLaunchPaths({ type: 'neural', request: 'launch', name: 'n', program: 'a.nn.json', trace: 'runs/x.jsonl' }, context({ settings }));
    assert.ok(!('prune' in named));
  });

  it('takes kernel threads from the launch configuration, else neuralDebugger.threads, else every core but one', () => {
    const spec = path.join(folder, 'spiral-mlp.nn.json');
    const launch = { type: 'neural', request: 'launch', name: 'n', program: spec };
    assert.equal(resolved(resolveLaunchDefaults({ ...launch, threads: 3 }, context({ settings: { threads: 2 } }))).threads, 3);
    assert.equal(resolved(resolveLaunchDefaults(launch, context({ settings: { threads: 2 } }))).threads, 2);
    assert.equal(resolved(resolveLaunchDefaults(launch, context({ settings: { threads: 0 } }))).threads, editorKernelThreads());
    assert.equal(editorKernelThreads(), Math.max(1, os.availableParallelism() - 1));
    assert.match((readSettings({ threads: 1.5 }) as { error: string }).error, /^setting neuralDebugger\.threads: expected a whole number/);
  });

  it('makes the program absolute and puts the trace under .neural-debugger/runs of the workspace', () => {
    const config = resolved(resolveLaunchPaths({ type: 'neural', request: 'launch', name: 'n', program: 'models/spiral-mlp.nn.json' }, context()));
    assert.equal(config.program, path.join(folder, 'models', 'spiral-mlp.nn.json'));
    assert.equal(config.trace, path.join(folder, '.neural-debugger', 'runs', 'spiral-mlp-20261128-090507.jsonl'));
    assert.equal(config.dataRoot, undefined);
  });

  it('resolves relative trace and checkpoint paths against cwd and keeps an explicit trace', () => {
    const config = resolved(
      resolveLaunchPaths(
        { type: 'neural', request: 'launch', name: 'n', program: 'a.nn.json', cwd: '/elsewhere', trace: 'out/t.jsonl', checkpointDir: 'ck' },
        context(),
      ),
    );
    assert.equal(config.program, path.resolve('/elsewhere/a.nn.json'));
    assert.equal(config.trace, path.resolve('/elsewhere/out/t.jsonl'));
    assert.equal(config.checkpointDir, path.resolve('/elsewhere/ck'));
  });

  it('in restricted mode limits data to the workspace folder and refuses model modules', () => {
    const config = resolved(
      resolveLaunchPaths({ type: 'neural', request: 'launch', name: 'n', program: '/ws/a.nn.json' }, context({ workspaceTrusted: false })),
    );
    assert.equal(config.dataRoot, folder);
    const noFolder = resolved(
      resolveLaunchPaths(
        { type: 'neural', request: 'launch', name: 'n', program: '/x/a.nn.json' },
        context({ workspaceTrusted: false, workspaceFolder: undefined }),
      ),
    );
    assert.equal(noFolder.dataRoot, path.resolve('/x'));
    const refused = resolveLaunchPaths({ type: 'neural', request: 'launch', name: 'n', program: '/ws/net.model.ts' }, context({ workspaceTrusted: false }));
    assert.ok('error' in refused);
    assert.match(refused.error, /restricted mode/);
  });

  it('reports a missing program', () => {
    const r = resolveLaunchPaths({ type: 'neural', request: 'launch', name: 'n' }, context());
    assert.ok('error' in r);
    assert.match(r.error, /no 'program'/);
  });

  it('without a workspace folder writes traces to the extension storage, with a safe file name', () => {
    assert.equal(defaultTracePath('/x/my model!.nn.json', undefined, '/storage/runs', now), path.join('/storage/runs', 'my_model_-20261128-090507.jsonl'));
  });
});

describe('extension: attach configuration', () => {
  const attach = { type: 'neural', request: 'attach', name: 'Attach to spiral-mlp', address: '10.0.0.5', port: 4711, token: 'secret' };

  it('passes an attach configuration through untouched: no program, no settings, no trace', () => {
    const settings = { backend: 'wasm', statsEvery: 5, breakOn: ['dead-relu'] };
    const defaults = resolved(resolveLaunchDefaults(attach, context({ settings, activeFile: '/ws/readme.md' })));
    assert.deepEqual(defaults, attach);
    assert.deepEqual(resolved(resolveLaunchPaths(defaults, context({ workspaceTrusted: false }))), attach);
  });

  it('names an attach configuration without a name after its address and port', () => {
    assert.equal(resolved(resolveLaunchDefaults({ request: 'attach', port: 4711, token: 't' }, context())).name, 'Attach to 127.0.0.1:4711');
    const named = resolved(resolveLaunchDefaults({ request: 'attach', address: 'gpu-box', port: 9000 }, context()));
    assert.equal(named.name, 'Attach to gpu-box:9000');
    assert.equal(named.type, 'neural');
  });
});
