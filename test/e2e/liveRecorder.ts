// Recorders that run inside the pages while a run goes. Polling from the test
// sees the page only between its round trips, and on a loaded machine one
// round trip can take seconds: a whole short run could pass between two looks.
// These observe every redraw as it happens and the test reads them afterwards.

import type { Frame, Page } from 'playwright-core';

/** What the training view's recorder saw (see `recordLossExtents`). */
export interface LossRecording {
  /** The loss line's right end, in steps, at each redraw for the run (consecutive repeats dropped). */
  extents: number[];
  /** Redraws of the loss chart for the run, repeats included. */
  redraws: number;
  /** Milliseconds from the recorder's start to the first redraw for the run, and to the last. */
  firstAfterMs: number | null;
  lastAfterMs: number | null;
  /** The host's messages to the view, one line each ("+812 ms reset 1a2b3c4d live [header, step×3]": session ids cut to 8 characters), the first 80. */
  messages: string[];
  /** Messages past those 80. */
  moreMessages: number;
  /** The title, the status (`data-status`: waiting, running, finished, …) and the status line, read together when last read. */
  title: string;
  status: string;
  statusText: string;
}

interface RecorderWindow {
  ndLossRecording?: LossRecording;
  ndLossExtent?: () => number | null;
}

/**
 * Starts recording, in the training view, the right end of the training-loss
 * line (in steps, read off the x axis' ticks) each time the chart is redrawn
 * while the view's title names `runName`. Install it before the run starts.
 */
export async function recordLossExtents(view: Frame, runName: string): Promise<void> {
  await view.evaluate((name) => {
    const w = window as RecorderWindow;
    const svg = document.querySelector('#loss');
    const title = document.querySelector('#run-title');
    if (!svg || !title) throw new Error('the training view has no #loss chart or #run-title');
    // A property, not a named const: the test runner's transpiler would wrap a named function in a helper the page lacks.
    w.ndLossExtent = (): number | null => {
      const ticks = Array.from(svg.querySelectorAll('.x-axis .tick')).map((t) => ({
        value: Number((t.textContent ?? '').replace(/[^\d.-]/g, '')),
        x: Number(/translate\(([-\d.]+)/.exec(t.getAttribute('transform') ?? '')?.[1]),
      }));
      const d = svg.querySelector('path.loss-line.train')?.getAttribute('d') ?? '';
      const points = d.match(/[ML][-\d.]+/g);
      if (ticks.length < 2 || !points) return null;
      const [a, b] = [ticks[0], ticks[ticks.length - 1]];
      const lastX = Number(points[points.length - 1].slice(1));
      return Math.round(a.value + ((lastX - a.x) * (b.value - a.value)) / (b.x - a.x));
    };
    const extentOf = w.ndLossExtent;
    const recording: LossRecording = {
      extents: [],
      redraws: 0,
      firstAfterMs: null,
      lastAfterMs: null,
      messages: [],
      moreMessages: 0,
      title: '',
      status: '',
      statusText: '',
    };
    const started = performance.now();
    // What the host said, in order: which session each message is for, and what it carries.
    window.addEventListener('message', (e: MessageEvent) => {
      const m = e.data as { type?: string; sessionId?: string; session?: { id: string; live: boolean } | null; events?: { type: string }[] };
      if (recording.messages.length >= 80) {
        recording.moreMessages++;
        return;
      }
      const counts = new Map<string, number>();
      for (const event of m.events ?? []) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
      const events = m.events ? ` [${[...counts].map(([t, n]) => (n > 1 ? `${t}×${n}` : t)).join(', ')}]` : '';
      const session =
        m.sessionId?.slice(0, 8) ?? (m.session === null ? 'none' : m.session ? `${m.session.id.slice(0, 8)}${m.session.live ? ' live' : ' ended'}` : '');
      recording.messages.push(`+${Math.round(performance.now() - started)} ms ${m.type} ${session}${events}`);
    });
    w.ndLossRecording = recording;
    // Called once per batch of DOM changes, i.e. once per rendered frame.
    new MutationObserver(() => {
      if (!(title.textContent ?? '').startsWith(`${name} ·`)) return;
      const extent = extentOf();
      if (extent === null) return;
      const at = Math.round(performance.now() - started);
      recording.redraws++;
      recording.firstAfterMs ??= at;
      recording.lastAfterMs = at;
      if (extent !== recording.extents[recording.extents.length - 1]) recording.extents.push(extent);
    }).observe(svg, { subtree: true, childList: true, attributes: true, characterData: true });
  }, runName);
}

/** What the recorder saw so far, with the title and status read in the same instant; throws if the view was reloaded since (it would have lost its recorder). */
export async function lossRecording(view: Frame): Promise<LossRecording> {
  if (view.isDetached()) throw new Error('the training view was reloaded during the run (its frame is detached)');
  const recording = await view.evaluate(() => {
    const r = (window as RecorderWindow).ndLossRecording;
    if (r) {
      const status = document.querySelector('#run-status');
      r.title = document.querySelector('#run-title')?.textContent ?? '';
      r.status = status?.getAttribute('data-status') ?? '';
      r.statusText = status?.textContent ?? '';
    }
    return r;
  });
  if (!recording) throw new Error('the training view was reloaded during the run (its recorder is gone)');
  return recording;
}

/** The loss line's right end now, in steps (null while there is no line). */
export async function lossExtentNow(view: Frame): Promise<number | null> {
  return view.evaluate(() => (window as RecorderWindow).ndLossExtent?.() ?? null).catch(() => null);
}

/**
 * Starts watching the workbench for the floating debug toolbar; `toolbarSeenAfterMs`
 * then says when it was first visible (null: not yet).
 */
export async function recordDebugToolbar(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as { ndToolbarSeenAfterMs?: number | null };
    w.ndToolbarSeenAfterMs = null;
    const started = performance.now();
    const timer = setInterval(() => {
      const toolbar = document.querySelector('.debug-toolbar');
      const box = toolbar?.getBoundingClientRect();
      if (!box || box.width === 0 || box.height === 0) return;
      w.ndToolbarSeenAfterMs = Math.round(performance.now() - started);
      clearInterval(timer);
    }, 50);
  });
}

export async function toolbarSeenAfterMs(page: Page): Promise<number | null> {
  return page.evaluate(() => (window as { ndToolbarSeenAfterMs?: number | null }).ndToolbarSeenAfterMs ?? null);
}
