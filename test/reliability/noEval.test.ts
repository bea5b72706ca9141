// No eval / new Function in what we ship: the expression language is a
// parser, not eval. (The only code that runs user code is the TS/JS model
// path, which compiles the user's bundled module with vm.compileFunction.)
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const DIST = path.resolve(__dirname, '..', '..', 'dist');
const EVAL = /(?<![\w$.])eval\s*\(|\bnew\s+Function\s*\(|(?<![\w$.])Function\s*\(\s*['"`]/g;

describe('no eval in the bundles', () => {
  const bundles = fs.existsSync(DIST) ? fs.readdirSync(DIST).filter((f) => f.endsWith('.js')) : [];

  it('finds the built bundles', () => {
    for (const required of ['trainer.js', 'cli.js', 'debugAdapter.js']) assert.ok(bundles.includes(required), `dist/${required} (run npm run build)`);
  });

  it('no bundle calls eval or new Function', () => {
    const hits: string[] = [];
    for (const bundle of bundles) {
      const text = fs.readFileSync(path.join(DIST, bundle), 'utf8');
      for (const m of text.matchAll(EVAL)) {
        const line = text.slice(0, m.index).split('\n').length;
        hits.push(`dist/${bundle}:${line}: ${text.slice(Math.max(0, m.index! - 40), m.index! + 40).replace(/\s+/g, ' ')}`);
      }
    }
    assert.deepEqual(hits, []);
  });

  it('the pattern itself catches what it should', () => {
    for (const bad of ['eval("1")', 'x = new Function("a", "return a")', 'Function("return this")()']) assert.match(bad, new RegExp(EVAL.source));
    for (const fine of ['new FunctionBreakpoints()', 'obj.eval(x)', 'retrieval(x)', 'evaluate(expr)']) assert.doesNotMatch(fine, new RegExp(EVAL.source));
  });
});
