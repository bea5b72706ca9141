// The HTML shell both of our pages are built on: the VS Code webviews
// (src/extension/views/webviewHtml.ts) and the standalone report
// (src/cli/report.ts). One place for the doctype, the Content Security
// Policy meta tag and escaping.

export interface HtmlPage {
  /** The Content-Security-Policy, as the meta tag's content. */
  csp: string;
  title: string;
  /** Further elements of <head> (stylesheets, meta tags), as HTML. */
  head: string[];
  /** Attributes of <body>, escaped here. */
  bodyAttributes: Record<string, string>;
  /** The body's elements, as HTML (after `<div id="app"></div>`). */
  body: string[];
}

export function htmlPage(page: HtmlPage): string {
  const attributes = Object.entries(page.bodyAttributes)
    .map(([name, value]) => ` ${name}="${escapeAttribute(value)}"`)
    .join('');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(page.csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    ...page.head,
    `<title>${escapeText(page.title)}</title>`,
    '</head>',
    `<body${attributes}>`,
    '<div id="app"></div>',
    ...page.body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

export function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
