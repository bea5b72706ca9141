// ESLint (flat config): typescript-eslint's recommended rules, the import
// boundaries between the folders (docs/development.md, "Import rules"), one
// file-name casing. Unused exports are found by knip (knip.json), formatting
// by prettier (.prettierrc.json); `npm run lint` runs all of them.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';
import unicorn from 'eslint-plugin-unicorn';
import globals from 'globals';

// Packages a browser bundle may use: what src/shared/ and webview-ui/ may import.
const BROWSER_SAFE_PACKAGES = ['d3', 'elkjs', 'jsonc-parser'];

const onlyPackages = (packages, why) => ({
  // Any bare specifier (a package or a Node built-in) outside the list.
  regex: `^(?!\\.|(${packages.map((p) => p.replace(/\./g, '\\.')).join('|')})(/|$))`,
  message: why,
});
const TENSORFLOW = {
  group: ['@tensorflow/*'],
  message: 'TensorFlow.js is loaded only by the trainer child process (src/trainer/), the benchmarks and the tests.',
};

// Folder X may not import from the folders in `from` (paths resolved, so any depth of ../ counts).
const zone = (target, from, message) => ({ target, from, message });
// Folder X may import only from itself, the listed folders and node_modules.
const onlyFrom = (target, allowed, message) => ({ target, from: '.', except: [target, ...allowed, './node_modules'], message });

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      '.cache/**',
      'node_modules/**',
      'src/trainer/backend/native/assembly/**', // AssemblyScript, compiled by asc
      'test/fixtures/**',
      'schema/**',
      '.neural-debugger/**',
      '.vscode-test/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    plugins: { 'import-x': importX, unicorn },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.json', '.node', '.d.ts'] })],
    },
    rules: {
      // Files only: the folder webview-ui/ keeps its name (renaming it touches every branch).
      'unicorn/filename-case': ['error', { case: 'camelCase', checkDirectories: false }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            onlyFrom('./src/shared', [], 'src/shared/ is read by every process, the webview included: it imports only src/shared/.'),
            onlyFrom('./webview-ui', ['./src/shared'], 'webview-ui/ runs in the browser: it imports only webview-ui/ and src/shared/.'),
            onlyFrom('./src/spec', ['./src/shared'], 'src/spec/ parses specs without TensorFlow.js: it imports only src/spec/ and src/shared/.'),
            onlyFrom('./src/node', ['./src/shared'], 'src/node/ is Node-only code shared by processes: it imports only src/node/ and src/shared/.'),
            onlyFrom(
              './src/runControl',
              ['./src/shared'],
              'src/runControl/ is the run-control rules both trainers use (tfjs and the Python host): it imports only src/runControl/ and src/shared/, never TensorFlow.js.',
            ),
            onlyFrom(
              './src/pythonHost',
              ['./src/shared', './src/node', './src/runControl'],
              'src/pythonHost/ runs a PyTorch script under the debugger: it imports only src/pythonHost/, src/runControl/, src/node/, src/shared/.',
            ),
            onlyFrom(
              './src/client',
              ['./src/node', './src/shared'],
              "src/client/ is the parent's client of the trainer: it imports only src/client/, src/node/, src/shared/.",
            ),
            zone(
              './src/trainer',
              ['./src/debug', './src/extension', './src/cli', './src/client'],
              'src/trainer/ is the child process: it does not import the parent side.',
            ),
            zone(
              './src/debug',
              ['./src/trainer', './src/extension', './src/cli'],
              'src/debug/ talks to the trainer through src/client/, and does not import the extension or the CLI.',
            ),
            zone('./src/extension', ['./src/trainer', './src/cli'], 'src/extension/ does not import the trainer (a child process) or the CLI.'),
            zone(
              './src/cli',
              ['./src/trainer', './src/debug', './src/extension'],
              'src/cli/ talks to the trainer through src/client/, and does not import the adapter or the extension.',
            ),
          ],
        },
      ],
      'no-restricted-imports': ['error', { patterns: [TENSORFLOW] }],
      // `_name`: a parameter or a destructured part that must be there but is not used.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/shared/**', 'webview-ui/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            TENSORFLOW,
            onlyPackages(
              BROWSER_SAFE_PACKAGES,
              `Browser code: no Node built-ins, and of the packages only the browser-safe ones (${BROWSER_SAFE_PACKAGES.join(', ')}).`,
            ),
          ],
        },
      ],
    },
  },
  {
    files: ['webview-ui/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['src/spec/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [TENSORFLOW, onlyPackages(['jsonc-parser', 'fs', 'path', 'node:fs', 'node:path'], 'src/spec/ uses only jsonc-parser and Node fs/path.')] },
      ],
    },
  },
  {
    // Where TensorFlow.js may be loaded (examples/ holds users' model modules, which build tfjs models).
    files: ['src/trainer/**', 'bench/**', 'test/**', 'examples/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The CLI's launcher is plain CommonJS: it requires the bundle.
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Names users type: the CLI command (bin/neural-debugger.js) and the example files the docs cite.
    files: ['bin/**', 'examples/**'],
    rules: { 'unicorn/filename-case': 'off' },
  },
  {
    files: ['test/**'],
    languageOptions: { globals: { ...globals.mocha } },
  },
  {
    // Renaming it would collide with the branch that rewrites the in-host suite; camelCase it there.
    files: ['scripts/e2e/test-vscode.mjs'],
    rules: { 'unicorn/filename-case': 'off' },
  },
);
