// Cached element sizes. Reading clientWidth after other views wrote to the
// DOM forces a synchronous layout; at 60 renders a second that dominated the
// frame time. Sizes are read once and then kept current by a ResizeObserver,
// which also asks the app for a full re-render (event `nd-resize`).

export class ElementSize {
  width: number;
  height: number;

  constructor(element: Element, fallbackWidth: number, fallbackHeight: number) {
    const rect = element.getBoundingClientRect();
    this.width = rect.width || fallbackWidth;
    this.height = rect.height || fallbackHeight;
    new ResizeObserver((entries) => {
      const box = entries[entries.length - 1].contentRect;
      if (box.width === 0 && box.height === 0) return; // hidden: keep the last size
      if (Math.abs(box.width - this.width) < 0.5 && Math.abs(box.height - this.height) < 0.5) return;
      this.width = box.width;
      this.height = box.height;
      window.dispatchEvent(new Event('nd-resize'));
    }).observe(element);
  }
}
