// The import rules of eslint.config.mjs (docs/development.md), checked on
// small sources linted as if they sat in each folder: every forbidden import
// is reported, the allowed ones are not.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '../..');
const BOUNDARY_RULES = new Set(['import-x/no-restricted-paths', 'no-restricted-imports', 'unicorn/filename-case']);

/** The specifiers ESLint reports in `source`, as if it were the file `file` (relative to the repository). */
async function reported(eslint: ESLint, file: string, specifiers: string[]): Promise<string[]> {
  const source = specifiers.map((s, i) => `import * as m${i} from '${s}';\nexport const v${i} = m${i};\n`).join('');
  const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, file) });
  const problems = result.messages.filter((m) => m.ruleId !== null && BOUNDARY_RULES.has(m.ruleId));
  return [...new Set(problems.map((m) => (m.ruleId === 'unicorn/filename-case' ? '(file name)' : specifiers[(m.line - 1) / 2])))];
}

describe('lint: import rules', function () {
  let eslint: ESLint;
  before(() => {
    eslint = new ESLint({ cwd: ROOT });
  });

  const cases: { file: string; forbidden: string[]; allowed: string[] }[] = [
    {
      file: 'src/shared/probe.ts',
      forbidden: ['@tensorflow/tfjs', 'node:fs', 'path', 'vscode', '../node/traceWriter', '../debug/session'],
      allowed: ['./stats', './trace/format', 'd3', 'jsonc-parser'],
    },
    {
      file: 'webview-ui/probe.ts',
      forbidden: ['fs', '../src/node/traceWriter', '../src/extension/extension', '@tensorflow/tfjs'],
      allowed: ['./store/store', '../src/shared/stats', 'd3'],
    },
    {
      file: 'src/spec/probe.ts',
      forbidden: ['../trainer/child', '../client/trainerProcess', 'node:child_process', '@tensorflow/tfjs'],
      allowed: ['../shared/errors', 'jsonc-parser', 'node:fs', 'path'],
    },
    { file: 'src/node/probe.ts', forbidden: ['../client/trainerProcess', '../spec', '@tensorflow/tfjs'], allowed: ['../shared/errors', 'node:fs'] },
    { file: 'src/client/probe.ts', forbidden: ['../debug/session', '../spec'], allowed: ['../node/traceWriter', '../shared/protocol', 'node:child_process'] },
    {
      file: 'src/trainer/run/probe.ts',
      forbidden: ['../../debug/session', '../../extension/extension', '../../cli/main', '../../client/trainerProcess'],
      allowed: ['@tensorflow/tfjs', '../../shared/stats', '../../spec', '../../node/userCodePhases'],
    },
    {
      file: 'src/debug/probe.ts',
      forbidden: ['../trainer/child', '../extension/extension', '../cli/main', '@tensorflow/tfjs-node'],
      allowed: ['../client/trainerProcess', '../spec', '@vscode/debugadapter'],
    },
    { file: 'src/extension/probe.ts', forbidden: ['../trainer/child', '../cli/main'], allowed: ['../debug/session', '../spec', 'vscode'] },
    {
      file: 'src/cli/probe.ts',
      forbidden: ['../trainer/child', '../debug/session', '../extension/extension'],
      allowed: ['../client/trainerProcess', '../spec'],
    },
    { file: 'bench/probe.ts', forbidden: [], allowed: ['@tensorflow/tfjs', '../src/trainer/child'] },
  ];
  for (const { file, forbidden, allowed } of cases) {
    it(`${path.dirname(file)}/: reports ${forbidden.length} forbidden imports, not the ${allowed.length} allowed ones`, async () => {
      assert.deepEqual(await reported(eslint, file, [...forbidden, ...allowed]), forbidden);
    });
  }

  it('file names are camelCase', async () => {
    assert.deepEqual(await reported(eslint, 'src/cli/kebab-case-name.ts', []), ['(file name)']);
    assert.deepEqual(await reported(eslint, 'src/cli/camelCaseName.test.ts', []), []);
  });
});
