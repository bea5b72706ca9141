// Layout checks run inside the page: element boxes, and text boxes that
// overlap. The page code is a string (tsx's keepNames would otherwise wrap
// the functions in a helper the page does not have).

import type { Page } from 'playwright-core';

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
  width: number;
  height: number;
}

export async function rect(page: Page, selector: string): Promise<Box> {
  const box = await page.$eval(selector, (e) => e.getBoundingClientRect().toJSON() as Box);
  return box;
}

/**
 * Page function: within each element matching `scopes`, the pairs of visible
 * text boxes (SVG text, and HTML elements with their own text) that overlap by
 * more than a pixel each way, as "a" × "b" strings.
 */
export const overlappingText = new Function(
  'scopes',
  `
  const found = [];
  for (const scope of document.querySelectorAll(scopes)) {
    const boxes = [];
    const walker = document.createTreeWalker(scope, NodeFilter.SHOW_ELEMENT);
    for (let el = walker.currentNode; el; el = walker.nextNode()) {
      const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim() !== '');
      if (!own || el.closest('title, .hidden, .chart-tooltip')) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.display === 'none') continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      // Text in SVG: the glyphs' box; in HTML: the box of the text itself.
      let box = r;
      if (!(el instanceof SVGElement)) {
        const parts = Array.from(el.childNodes).filter((n) => n.nodeType === 3 && n.textContent.trim() !== '').map((n) => {
          const range = document.createRange();
          range.selectNodeContents(n);
          return range.getBoundingClientRect();
        });
        box = {
          left: Math.min(...parts.map((p) => p.left)),
          top: Math.min(...parts.map((p) => p.top)),
          right: Math.max(...parts.map((p) => p.right)),
          bottom: Math.max(...parts.map((p) => p.bottom)),
        };
      }
      boxes.push({ text: el.textContent.trim(), box });
    }
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i].box;
        const b = boxes[j].box;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 1 && h > 1) found.push(JSON.stringify(boxes[i].text) + ' x ' + JSON.stringify(boxes[j].text));
      }
    }
  }
  return found;
`,
) as (scopes: string) => string[];
