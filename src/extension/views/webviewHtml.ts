// The HTML shell of the training view and the inspector, and its Content
// Security Policy: nothing loads but the bundle's own script (by nonce) and
// stylesheet (from the webview's resource origin); no inline handlers, no
// remote content. `data:` images only for the PNG export (an SVG drawn onto
// a canvas). No vscode import: the CSP is unit-tested.

import { randomBytes } from 'node:crypto';
import { escapeAttribute, htmlPage } from '../../shared/htmlPage';
import type { WebviewKind } from '../../shared/webviewProtocol';

export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[+/=]/g, '');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return ["default-src 'none'", `script-src 'nonce-${nonce}'`, `style-src ${cspSource}`, `img-src ${cspSource} data:`, `font-src ${cspSource}`].join('; ');
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
  return htmlPage({
    csp: contentSecurityPolicy(o.cspSource, o.nonce),
    title: o.title,
    head: [`<link rel="stylesheet" href="${escapeAttribute(o.styleUri)}">`],
    bodyAttributes: { 'data-view': o.view },
    body: [`<script nonce="${o.nonce}" src="${escapeAttribute(o.scriptUri)}"></script>`],
  });
}
