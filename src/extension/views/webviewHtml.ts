// The HTML shell of the training view and the inspector, and its Content
// Security Policy: nothing loads but the bundle's own script (by nonce) and
// stylesheet (from the webview's resource origin); no inline handlers, no
// remote content. `data:` images only for the PNG export (an SVG drawn onto
// a canvas). No vscode import: the CSP is unit-tested.

import { randomBytes } from 'node:crypto';
import type { WebviewKind } from '../../shared/webviewProtocol';

export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[+/=]/g, '');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export interface WebviewHtmlOptions {
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  nonce: string;
  view: WebviewKind;
  title: string;
}

export function webviewHtml(o: WebviewHtmlOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(contentSecurityPolicy(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttribute(o.styleUri)}">
<title>${escapeText(o.title)}</title>
</head>
<body data-view="${o.view}">
<div id="app"></div>
<script nonce="${o.nonce}" src="${escapeAttribute(o.scriptUri)}"></script>
</body>
</html>`;
}

export function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
