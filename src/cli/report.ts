// `neural-debugger report <trace.jsonl> --out report.html`: one self-contained
// HTML file (script, styles and the trace inlined, no network) showing the
// training view over a recorded run. The page runs the same webview bundle as
// VS Code; a static host replays the embedded trace instead of a session.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../shared/errors';
import { formatUserError } from '../shared/protocol';
import { htmlPage } from '../shared/htmlPage';
import { endReason, parseTrace, type ParsedTrace } from '../shared/trace/parse';
import { forEachArg } from './argv';

const REPORT_USAGE = `Usage: neural-debugger report <trace.jsonl> --out <report.html> [--theme auto|dark|light]

Writes one self-contained HTML file with the training views (network graph,
gradient norms, loss, activations, warnings, timeline) over a recorded run.`;

interface ReportArgs {
  trace: string;
  out: string;
  theme: 'auto' | 'dark' | 'light';
}

function parseReportArgs(argv: string[]): ReportArgs {
  let out: string | undefined;
  let theme: ReportArgs['theme'] = 'auto';
  const positional: string[] = [];
  forEachArg(argv, usageError, ({ arg, flag, value }) => {
    if (flag === '--out' || flag === '-o') out = value();
    else if (flag === '--theme') {
      const v = value();
      if (v !== 'auto' && v !== 'dark' && v !== 'light') throw usageError(`--theme must be auto, dark or light, got '${v}'`);
      theme = v;
    } else if (arg.startsWith('-')) throw usageError(`unknown option '${arg}'`);
    else positional.push(arg);
  });
  if (positional.length !== 1) throw usageError(positional.length === 0 ? 'missing <trace.jsonl>' : `expected one trace file, got ${positional.length}`);
  if (!out) throw usageError('missing --out <report.html>');
  return { trace: positional[0], out, theme };
}

function usageError(message: string): UserError {
  return new UserError({ message: `${message}\n\n${REPORT_USAGE}` });
}

export interface ReportHtmlOptions {
  traceText: string;
  traceName: string;
  title: string;
  script: string;
  css: string;
  theme: ReportArgs['theme'];
  nonce: string;
}

/** `<` only occurs inside JSON strings, where `\u003c` means the same: the text cannot close its <script>. */
export function embedTraceText(text: string): string {
  return text.replace(/</g, '\\u003c');
}

export function buildReportHtml(o: ReportHtmlOptions): string {
  const csp = `default-src 'none'; script-src 'nonce-${o.nonce}'; style-src 'nonce-${o.nonce}'; img-src data: blob:`;
  const themeScript =
    o.theme === 'auto'
      ? `document.body.classList.add(matchMedia('(prefers-color-scheme: light)').matches ? 'vscode-light' : 'vscode-dark');`
      : `document.body.classList.add('vscode-${o.theme}');`;
  // `</script` cannot occur in the bundle as text of a closing tag.
  const script = o.script.replace(/<\/(script)/gi, '<\\/$1');
  return htmlPage({
    csp,
    title: o.title,
    head: ['<meta name="generator" content="neural-debugger report">', `<style nonce="${o.nonce}">${o.css.replace(/<\/(style)/gi, '<\\/$1')}</style>`],
    bodyAttributes: { class: 'nd-standalone', 'data-view': 'training', 'data-trace-name': o.traceName },
    body: [
      `<script type="application/json" id="nd-trace">${embedTraceText(o.traceText)}</script>`,
      `<script nonce="${o.nonce}">${themeScript}</script>`,
      `<script nonce="${o.nonce}">${script}</script>`,
    ],
  });
}

/** dist/webview.js and dist/webview.css next to the CLI bundle (or under dist/ when run from source). */
function readWebviewAssets(): { script: string; css: string } {
  const candidates = [__dirname, path.resolve(__dirname, '..', '..', 'dist')];
  for (const dir of candidates) {
    const js = path.join(dir, 'webview.js');
    const css = path.join(dir, 'webview.css');
    if (fs.existsSync(js) && fs.existsSync(css)) return { script: fs.readFileSync(js, 'utf8'), css: fs.readFileSync(css, 'utf8') };
  }
  throw new Error(`the webview bundle (webview.js, webview.css) is missing next to ${__dirname}: run \`npm run build\``);
}

/** Runs the command; returns the exit code. Bad input throws UserError (exit 2 in main). */
export function runReport(argv: string[], write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): number {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(`${REPORT_USAGE}\n`);
    return 0;
  }
  const args = parseReportArgs(argv);
  let text: string;
  try {
    text = fs.readFileSync(args.trace, 'utf8');
  } catch (e) {
    throw new UserError({ file: args.trace, message: `cannot read the trace (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
  }
  // Checked here so that a damaged trace fails with FILE:LINE, not in the browser.
  const trace = parseTrace(text, args.trace);
  const { script, css } = readWebviewAssets();
  const nonce = Math.random().toString(36).slice(2) + Date.now().toString(36);
  const html = buildReportHtml({
    traceText: text,
    traceName: path.basename(args.trace),
    title: `${trace.header.topology.name} — Neural Debugger report`,
    script,
    css,
    theme: args.theme,
    nonce,
  });
  try {
    fs.writeFileSync(args.out, html);
  } catch (e) {
    throw new UserError({ file: args.out, message: `cannot write the report (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
  }
  const steps = trace.steps.length;
  const state = trace.truncated
    ? ' (the trace is truncated: the report shows what was recorded)'
    : trace.end
      ? ''
      : ' (the trace has no end record: the run was killed or is still running)';
  write(`wrote ${args.out}: ${trace.header.topology.name}, ${steps} steps, ${trace.diagnostics.length} diagnostic records${state}; ${describeEnd(trace)}`);
  return 0;
}

/** How the recorded run ended, for the summary line. */
function describeEnd(trace: ParsedTrace): string {
  const end = trace.end;
  switch (endReason(trace)) {
    case null:
      return 'the run did not end in the trace';
    case 'completed':
      return 'the run completed';
    case 'stopped':
      return 'the run was stopped';
    case 'killed':
      return `the run was killed: ${end?.type === 'error' ? end.error.message : ''}`;
    case 'error':
      return `the run failed: ${end?.type === 'error' ? formatUserError(end.error) : ''}`;
  }
}
