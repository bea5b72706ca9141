// Remote workspaces (issue #15): with `"extensionKind": ["workspace"]` the
// extension host, the trainer and the data are on the remote machine and the
// webviews render in the local workbench (or the browser, for code-server).
// Nothing the views load may then assume the host's file system or the
// browser's localhost: their resources come only through asWebviewUri inside
// localResourceRoots, the sources name no local file or localhost URL, the
// webview bundle imports no Node module, and the host→webview messages of a
// real run (whose settings carry the model file's absolute path on the
// remote) make the views load nothing.
import * as assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { debugEvents, installFakeVscode, type FakeDebugSession } from './fakeVscode';
installFakeVscode();
import { TRAINER_EVENT } from '../../src/shared/debugEvents';
import type { TrainerEvent } from '../../src/shared/protocol';
import type { HostToWebviewMessage } from '../../src/shared/webviewProtocol';
import { CHROMIUM, ensureBuilt, launchBrowser, openWebview, recordTrace, send, settle, traceEvents } from '../webview/harness';

const ROOT = path.resolve(__dirname, '..', '..');

/** The parts of vscode.Uri that webviewContent.ts uses, as a remote extension host sees them. */
class FakeUri {
  constructor(
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
  ) {}
  static joinPath(base: FakeUri, ...parts: string[]): FakeUri {
    return new FakeUri(base.scheme, base.authority, path.posix.join(base.path, ...parts));
  }
  toString(): string {
    return `${this.scheme}://${this.authority}${this.path}`;
  }
}

// The fake `vscode` module has no Uri; webviewContent.ts reads it at call time.
// eslint-disable-next-line @typescript-eslint/no-require-imports
Object.assign(require('vscode') as object, { Uri: FakeUri });
// Required, not imported: the fake must be installed first.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { setWebviewContent } = require('../../src/extension/views/webviewContent') as typeof import('../../src/extension/views/webviewContent');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ViewHub } = require('../../src/extension/views/viewHub') as typeof import('../../src/extension/views/viewHub');

/** VS Code's mapping of a resource to the webview's resource origin (served by the workbench, wherever the file is). */
const RESOURCE_HOST = '.vscode-resource.vscode-cdn.net';
const asWebviewUri = (uri: FakeUri): string => `https://${encodeURIComponent(`${uri.scheme}+${uri.authority}`)}${RESOURCE_HOST}${uri.path}`;

/** Every value of a src or href attribute in an HTML text. */
function resourceAttributes(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)\s*=\s*"([^"]*)"/gi)].map((m) => m[1].replace(/&amp;/g, '&'));
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

/** `file:line: text` for each line of `files` that matches `pattern`. */
function matches(files: string[], pattern: RegExp): string[] {
  return files.flatMap((file) =>
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => (pattern.test(line) ? [`${path.relative(ROOT, file)}:${i + 1}: ${line.trim()}`] : [])),
  );
}

/** The module specifiers a TypeScript file imports (static, dynamic and require). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]);
}

/** The files the webview bundle is made of, from its entry, following relative imports; and every bare module they import. */
function webviewModuleGraph(): { files: string[]; bare: Map<string, string> } {
  const entry = path.join(ROOT, 'webview-ui', 'main.ts');
  const files = new Set<string>();
  const bare = new Map<string, string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const spec of importsOf(file)) {
      if (!spec.startsWith('.')) {
        bare.set(spec, path.relative(ROOT, file));
        continue;
      }
      const base = path.resolve(path.dirname(file), spec);
      const resolved = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
      if (!resolved) throw new Error(`${path.relative(ROOT, file)}: cannot resolve import '${spec}'`);
      visit(resolved);
    }
  };
  visit(entry);
  return { files: [...files], bare };
}

/** Every string inside a JSON-like value. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

describe('extension: remote workspaces (nothing assumes the workbench’s file system or localhost)', () => {
  it('package.json declares the extension a workspace extension', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { extensionKind?: unknown };
    assert.deepEqual(manifest.extensionKind, ['workspace']);
  });

  it('the webview HTML loads only the bundle, through asWebviewUri, from inside localResourceRoots', () => {
    const extensionUri = new FakeUri('vscode-remote', 'ssh-remote+gpu-box', '/home/me/.vscode-server/extensions/neural-debugger-0.1.0');
    for (const view of ['training', 'inspector'] as const) {
      const webview = {
        options: {} as { localResourceRoots?: FakeUri[]; enableScripts?: boolean },
        html: '',
        cspSource: `https://*${RESOURCE_HOST}`,
        asWebviewUri,
      };
      setWebviewContent(webview as never, extensionUri as never, view);

      const roots = webview.options.localResourceRoots ?? [];
      assert.deepEqual(
        roots.map((r) => r.toString()),
        [`${extensionUri.toString()}/dist`],
        'the views may read the bundle folder, nothing else',
      );
      const allowed = (url: string) => roots.some((root) => url.startsWith(`${asWebviewUri(root)}/`));
      const loaded = resourceAttributes(webview.html);
      assert.ok(loaded.length >= 2, `${view}: the page loads its script and stylesheet (found ${loaded.join(', ') || 'none'})`);
      for (const url of loaded) assert.ok(allowed(url), `${view}: ${url} is not a webview URI inside localResourceRoots`);

      // Scripts: each one either loads the bundle (above) or is inline, and each carries the CSP's nonce.
      const nonce = /script-src 'nonce-([^']+)'/.exec(webview.html)?.[1];
      assert.ok(nonce, `${view}: the CSP allows scripts by nonce only`);
      const scripts = [...webview.html.matchAll(/<script\b([^>]*)>/gi)].map((m) => m[1]);
      assert.ok(scripts.length >= 1);
      for (const attributes of scripts)
        assert.match(attributes, new RegExp(`\\bnonce="${nonce}"`), `${view}: a script without the nonce: <script${attributes}>`);
      const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/i.exec(webview.html)?.[1] ?? '';
      assert.ok(csp.includes("default-src 'none'"), `${view}: CSP ${csp}`);
      assert.doesNotMatch(csp, /localhost|127\.0\.0\.1|file:|http:|vscode-resource:/, `${view}: the CSP names a local origin: ${csp}`);
    }
  });

  it('webview and host sources name no local file URL, no localhost URL and no vscode-resource: scheme; the webview imports no Node module', () => {
    const { files, bare } = webviewModuleGraph();
    assert.ok(
      files.some((f) => f.includes(`${path.sep}src${path.sep}shared${path.sep}`)),
      'the import graph reaches src/shared (the walk follows imports)',
    );
    const hostFiles = [...sourceFiles(path.join(ROOT, 'src', 'extension')), ...sourceFiles(path.join(ROOT, 'src', 'shared'))];
    const webviewFiles = [...new Set([...sourceFiles(path.join(ROOT, 'webview-ui')), ...files])];

    const localUrl = /file:\/\/|vscode-resource:|(?:https?|wss?):\/\/(?:localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)/i;
    assert.deepEqual(matches([...hostFiles, ...webviewFiles], localUrl), [], 'a local URL: the views run on another machine than the host');
    assert.deepEqual(matches(webviewFiles, /\blocalhost\b|127\.0\.0\.1|\[::1\]/), [], 'the webview code names the browser’s localhost');

    const nodeModules = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const fromNode = [...bare].filter(([spec]) => nodeModules.has(spec) || spec.startsWith('node:')).map(([spec, file]) => `${file}: imports ${spec}`);
    assert.deepEqual(fromNode, [], 'the webview bundle imports a Node module (there is no host file system in a webview)');
  });

  describe('a real recorded run through the host to the views in Chromium', function () {
    let events: TrainerEvent[];
    before(function () {
      if (!fs.existsSync(CHROMIUM)) {
        console.log(`    skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);
        this.skip();
      }
      ensureBuilt();
      events = traceEvents(recordTrace('spiral-mlp', 40));
    });

    it('the absolute model path in the messages is shown nowhere and loaded by nothing: the views request nothing', async () => {
      const posted: HostToWebviewMessage[] = [];
      let listener: ((message: unknown) => unknown) | undefined;
      const webview = {
        postMessage: async (message: HostToWebviewMessage) => posted.push(message) > 0,
        onDidReceiveMessage: (l: (message: unknown) => unknown) => ((listener = l), { dispose: () => (listener = undefined) }),
      };
      const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
      const hub = new ViewHub(
        silent as never,
        () => undefined,
        () => undefined,
      );
      const browser = await launchBrowser();
      try {
        hub.attach(webview as never, 'training');
        await listener?.({ type: 'ready', view: 'training' });
        const session: FakeDebugSession = { id: 'remote-1', name: 'spiral-mlp', type: 'neural', configuration: {}, customRequest: async () => ({ events }) };
        debugEvents.started.fire(session);
        // As the adapter's live stream does: a few events per DAP event.
        for (let i = 0; i < events.length; i += 25) debugEvents.custom.fire({ session, event: TRAINER_EVENT, body: { events: events.slice(i, i + 25) } });
        debugEvents.terminated.fire(session);

        const modelFile = path.join(ROOT, 'examples', 'spiral-mlp.nn.json');
        const absolute = [...new Set(strings(posted).filter((s) => path.isAbsolute(s)))];
        assert.ok(absolute.includes(modelFile), `the messages carry the model file's path (settings.modelFile); found ${JSON.stringify(absolute)}`);

        const page = await openWebview(browser, { view: 'training' });
        const requests: string[] = [];
        page.on('request', (r) => {
          if (!r.url().startsWith('data:')) requests.push(r.url());
        });
        for (const message of posted) await send(page, message);
        await page.waitForSelector('g.layer-node');
        await settle(page);
        const header = events.find((e) => e.type === 'header');
        assert.equal(await page.locator('g.layer-node').count(), header?.type === 'header' ? header.topology.layers.length : -1, 'the view drew the run');

        assert.deepEqual(requests, [], 'the views requested resources while showing the run');
        const dom = await page.evaluate(() => ({
          attributes: Array.from(document.querySelectorAll('*')).flatMap((el) =>
            Array.from(el.attributes).map((a) => `<${el.tagName.toLowerCase()} ${a.name}="${a.value}">`),
          ),
          text: document.body.innerText,
        }));
        for (const p of absolute) {
          assert.deepEqual(
            dom.attributes.filter((a) => a.includes(p)),
            [],
            `an element attribute holds the host path ${p}`,
          );
          assert.ok(!dom.text.includes(p), `the view shows the host path ${p} (it shows the model's name)`);
        }
      } finally {
        hub.dispose();
        await browser.close();
      }
    });
  });
});
