// Timeline: a scrubber over the recorded steps (moving it re-renders every
// view at that step while training goes on), markers for epochs, pauses and
// diagnostics, and the training controls, which the host turns into the
// debug toolbar's commands.

import * as d3 from 'd3';
import type { ControlAction } from '../../src/shared/webviewProtocol';
import type { Change, Store } from '../store/store';
import { ElementSize } from './size';

// Icons drawn in a 16×16 box, after the debug toolbar's: filled shapes, or
// strokes where `stroke` is set.
const ICONS: Record<ControlAction, { d: string; stroke?: boolean }[]> = {
  continue: [{ d: 'M4 2.5v11l9.5-5.5z' }],
  pause: [{ d: 'M3.5 2.5h3v11h-3zM9.5 2.5h3v11h-3z' }],
  stepBatch: [{ d: 'M8 1.5v8M4.5 6.5 8 10l3.5-3.5', stroke: true }, { d: 'M6.3 13.5a1.7 1.7 0 1 0 3.4 0a1.7 1.7 0 1 0-3.4 0' }],
  stepEpoch: [{ d: 'M2.5 9.5a5.5 5.5 0 0 1 10.5-2.3M13.5 3.5v4h-4', stroke: true }, { d: 'M6.3 13.5a1.7 1.7 0 1 0 3.4 0a1.7 1.7 0 1 0-3.4 0' }],
  stop: [{ d: 'M3.5 3.5h9v9h-9z' }],
};

const CONTROLS: { action: ControlAction; label: string; title: string }[] = [
  { action: 'continue', label: 'Continue', title: 'Continue training (F5)' },
  { action: 'pause', label: 'Pause', title: 'Pause training (F6)' },
  { action: 'stepBatch', label: 'Step batch', title: 'Train one batch (Step Into, F11)' },
  { action: 'stepEpoch', label: 'Step epoch', title: 'Train to the end of the epoch (Step Over, F10)' },
  { action: 'stop', label: 'Stop', title: 'Stop training (Shift+F5)' },
];

function controlIcon(action: ControlAction): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('class', 'control-icon');
  svg.setAttribute('aria-hidden', 'true');
  for (const part of ICONS[action]) {
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', part.d);
    path.setAttribute('class', part.stroke ? 'icon-stroke' : 'icon-fill');
    svg.appendChild(path);
  }
  return svg;
}

export class TimelineView {
  readonly root: HTMLElement;
  private readonly range: HTMLInputElement;
  private readonly label: HTMLElement;
  private readonly live: HTMLButtonElement;
  private readonly marks: d3.Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly buttons = new Map<ControlAction, HTMLButtonElement>();
  private readonly marksSize: ElementSize;

  constructor(
    parent: HTMLElement,
    private readonly store: Store,
    canControl: boolean,
    private readonly onControl: (action: ControlAction) => void,
    private readonly onScrub: (step: number | null) => void,
  ) {
    this.root = document.createElement('div');
    this.root.id = 'timeline';
    this.root.setAttribute('role', 'group');
    this.root.setAttribute('aria-label', 'Timeline and training controls');
    parent.appendChild(this.root);
    if (canControl) {
      const controls = document.createElement('div');
      controls.className = 'controls';
      controls.setAttribute('role', 'toolbar');
      controls.setAttribute('aria-label', 'Training controls');
      for (const c of CONTROLS) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = `control control-${c.action}`;
        button.dataset.action = c.action;
        button.title = c.title;
        button.setAttribute('aria-label', c.label);
        const icon = controlIcon(c.action);
        const text = document.createElement('span');
        text.className = 'control-label';
        text.textContent = c.label;
        button.append(icon, text);
        button.addEventListener('click', () => this.onControl(c.action));
        controls.appendChild(button);
        this.buttons.set(c.action, button);
      }
      this.root.appendChild(controls);
    }
    const scrubber = document.createElement('div');
    scrubber.className = 'scrubber';
    this.range = document.createElement('input');
    this.range.type = 'range';
    this.range.id = 'timeline-range';
    this.range.min = '0';
    this.range.max = '0';
    this.range.step = '1';
    this.range.setAttribute('aria-label', 'Step shown by the views');
    this.range.addEventListener('input', () => this.onScrub(Number(this.range.value)));
    this.marks = d3.select(scrubber).append('svg').attr('id', 'timeline-marks').attr('aria-hidden', 'true');
    scrubber.prepend(this.range);
    this.root.appendChild(scrubber);
    this.label = document.createElement('span');
    this.label.id = 'current-step';
    this.label.setAttribute('aria-live', 'off');
    this.live = document.createElement('button');
    this.live.type = 'button';
    this.live.id = 'follow-live';
    this.live.textContent = 'Latest';
    this.live.title = 'Follow the latest step';
    this.live.addEventListener('click', () => this.onScrub(null));
    this.root.append(this.label, this.live);
    this.marksSize = new ElementSize(this.marks.node()!, 300, 10);
  }

  update(changes: ReadonlySet<Change>): void {
    const { series } = this.store;
    if (changes.has('steps') || changes.has('cursor') || changes.has('run')) {
      const first = series.steps[0] ?? 0;
      const last = series.lastStep ?? 0;
      const current = this.store.currentStep;
      this.range.min = String(first);
      this.range.max = String(last);
      this.range.disabled = series.length === 0;
      if (document.activeElement !== this.range || this.store.pinnedStep === null) this.range.value = String(current ?? last);
      this.range.setAttribute('aria-valuetext', current === null ? 'no steps' : `step ${current}`);
      this.root.dataset.step = current === null ? '' : String(current);
      if (current === null) this.label.textContent = 'no steps yet';
      else {
        const settings = this.store.settings;
        const epoch = this.store.epochAt(current);
        this.label.textContent = `step ${current} of ${last}${Number.isFinite(epoch) ? ` · epoch ${epoch}${settings ? `/${settings.epochs || '?'}` : ''}` : ''}`;
      }
      this.live.setAttribute('aria-pressed', String(this.store.pinnedStep === null));
      this.live.disabled = this.store.pinnedStep === null;
    }
    if (changes.has('steps') || changes.has('epochs') || changes.has('diagnostics') || changes.has('status') || changes.has('run')) this.renderMarks();
    if (changes.has('status') || changes.has('run')) this.updateControls();
  }

  private renderMarks(): void {
    const { series } = this.store;
    const width = this.marksSize.width;
    const first = series.steps[0] ?? 0;
    const last = series.lastStep ?? 1;
    const x = d3
      .scaleLinear()
      .domain([first, last === first ? first + 1 : last])
      .range([0, width]);
    const marks = [
      ...this.store.epochs.map((e) => ({ step: e.step, kind: 'epoch', label: `end of epoch ${e.epoch}` })),
      ...this.store.stops.map((s) => ({ step: s.step, kind: 'stop', label: `paused (${s.reason}) at step ${s.step}` })),
      ...[...this.store.diagnosticHistory.values()].map((h) => ({
        step: h[0].step,
        kind: `diagnostic severity-${h[0].severity}`,
        label: `${h[0].kind} at step ${h[0].step}`,
      })),
    ];
    this.marks
      .selectAll<SVGRectElement, (typeof marks)[number]>('rect')
      .data(marks)
      .join((enter) => enter.append('rect').call((r) => r.append('title')))
      .attr('class', (m) => `timeline-mark ${m.kind}`)
      .attr('x', (m) => x(m.step) - 1)
      .attr('width', 2)
      .attr('y', (m) => (m.kind === 'epoch' ? 4 : 0))
      .attr('height', (m) => (m.kind === 'epoch' ? 6 : 10))
      .select('title')
      .text((m) => m.label);
  }

  private updateControls(): void {
    const live = this.store.session?.live ?? false;
    const status = this.store.status.status;
    const running = status === 'running' || status === 'waiting';
    const enabled: Record<ControlAction, boolean> = {
      continue: live && status === 'paused',
      pause: live && running,
      stepBatch: live && status === 'paused',
      stepEpoch: live && status === 'paused',
      stop: live && status !== 'finished' && status !== 'failed',
    };
    for (const [action, button] of this.buttons) button.disabled = !enabled[action];
  }
}
