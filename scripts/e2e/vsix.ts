// Packages the extension as a VSIX (`npm run package`, and the e2e runner).
//
// vsce matches every file under the project folder (plus every file of every
// production dependency) against ~30 built-in and all .vscodeignore patterns,
// compiling each pattern anew per file: with tfjs in node_modules and the e2e
// cache that takes ~50 s here. So the allowlist in .vscodeignore is applied
// here once, the selected files are copied into a staging folder, and vsce
// packages that folder (the same .vscodeignore applies again there). In the
// staging folder the manifests' `dependencies` are trimmed to the staged
// runtime modules, so `npm list` (which vsce runs) sees a complete tree.
//
// Run on its own: `npx tsx scripts/e2e/vsix.ts [out.vsix]`.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './setup';

const VSCE_DIR = path.join(REPO_ROOT, 'node_modules', '@vscode', 'vsce');
const STAGE_PARENT = path.join(REPO_ROOT, '.cache');
/** Folders never packaged (and not worth walking). */
const SKIP_DIRS = new Set(['.git', '.cache', '.vscode-test', '.tmp', 'test-results', 'out', 'src', 'test', 'webview-ui', 'bench', 'docs', 'scripts']);

interface MinimatchModule {
  Minimatch: new (pattern: string, options?: { dot?: boolean }) => { match(path: string): boolean };
}

/** Builds, stages and packages; returns the VSIX path. */
export function packageExtension(outFile: string): string {
  run(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs')], REPO_ROOT, 'npm run build');
  const files = selectPackagedFiles();
  fs.mkdirSync(STAGE_PARENT, { recursive: true });
  const stage = fs.mkdtempSync(path.join(STAGE_PARENT, 'vsix-stage-'));
  try {
    for (const file of files) {
      const target = path.join(stage, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(path.join(REPO_ROOT, file), target);
    }
    fs.copyFileSync(path.join(REPO_ROOT, '.vscodeignore'), path.join(stage, '.vscodeignore'));
    trimManifests(stage);
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.rmSync(outFile, { force: true });
    const vsce = path.join(VSCE_DIR, 'vsce');
    run(
      process.execPath,
      [vsce, 'package', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--out', outFile],
      stage,
      'vsce package',
    );
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
  return outFile;
}

/** Project files (relative, `/`-separated) that the `!` patterns of .vscodeignore put back. */
export function selectPackagedFiles(): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- vsce's own minimatch, resolved from its folder
  const { Minimatch } = require(require.resolve('minimatch', { paths: [VSCE_DIR] })) as MinimatchModule;
  const lines = fs
    .readFileSync(path.join(REPO_ROOT, '.vscodeignore'), 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim());
  const include = lines.filter((l) => l.startsWith('!')).map((l) => new Minimatch(l.slice(1), { dot: true }));
  if (lines.filter((l) => l && !l.startsWith('#') && !l.startsWith('!')).join() !== '**') {
    throw new Error(".vscodeignore must be an allowlist: '**' and then '!pattern' lines only");
  }
  const selected: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!(rel === '' && SKIP_DIRS.has(entry.name))) walk(path.join(dir, entry.name), relPath);
      } else if (entry.isFile() && include.some((m) => m.match(relPath))) {
        selected.push(relPath);
      }
    }
  };
  walk(REPO_ROOT, '');
  return selected.sort();
}

/** Keeps in each staged package.json only the dependencies that are staged (the runtime ones). */
function trimManifests(stage: string): void {
  const staged = (name: string) => fs.existsSync(path.join(stage, 'node_modules', name, 'package.json'));
  const manifests = [path.join(stage, 'package.json')];
  const modules = path.join(stage, 'node_modules');
  if (fs.existsSync(modules)) {
    for (const entry of fs.readdirSync(modules)) {
      const names = entry.startsWith('@') ? fs.readdirSync(path.join(modules, entry)).map((n) => `${entry}/${n}`) : [entry];
      for (const name of names) manifests.push(path.join(modules, name, 'package.json'));
    }
  }
  for (const file of manifests) {
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    const deps = manifest.dependencies as Record<string, string> | undefined;
    if (deps) manifest.dependencies = Object.fromEntries(Object.entries(deps).filter(([name]) => staged(name)));
    // Optional ones (tfjs-node) stay listed in the extension's own manifest; npm list accepts them missing.
    if (file !== manifests[0]) delete manifest.optionalDependencies;
    delete manifest.scripts;
    fs.writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
  }
}

function run(command: string, args: string[], cwd: string, what: string): void {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    // esbuild and vsce print the cause first and a stack trace after it.
    const shown = output.length > 4000 ? `${output.slice(0, 3000)}\n…\n${output.slice(-1000)}` : output;
    throw new Error(`${what} failed (exit ${result.status}${result.error ? `, ${result.error.message}` : ''}):\n${shown}`);
  }
}

if (require.main === module) {
  const started = Date.now();
  const out = path.resolve(process.argv[2] ?? path.join(REPO_ROOT, 'neural-debugger.vsix'));
  packageExtension(out);
  const size = fs.statSync(out).size;
  console.log(`packaged ${path.relative(process.cwd(), out)} (${(size / 1024 / 1024).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
