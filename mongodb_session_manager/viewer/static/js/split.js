// Resizable panels: drag a splitter (or focus it and use the arrow keys). Widths are kept
// in localStorage and applied as CSS custom properties (no inline style attributes).

const KEY = 'msm-viewer-panels';
const LIMITS = { filters: [180, 520], results: [260, 760] };

export function initSplitters(panels) {
  let widths = {};
  try { widths = JSON.parse(localStorage.getItem(KEY) || '{}'); } catch { widths = {}; }
  const apply = () => {
    for (const [name, width] of Object.entries(widths)) {
      if (LIMITS[name]) panels.style.setProperty(`--${name}-w`, `${width}px`);
    }
  };
  const set = (name, width) => {
    const [low, high] = LIMITS[name];
    widths[name] = Math.round(Math.min(high, Math.max(low, width)));
    apply();
    localStorage.setItem(KEY, JSON.stringify(widths));
  };
  apply();
  for (const splitter of panels.querySelectorAll('.splitter')) {
    const name = splitter.dataset.split;
    const panel = splitter.previousElementSibling;
    splitter.addEventListener('pointerdown', (event) => {
      event.preventDefault();
      splitter.setPointerCapture(event.pointerId);
      const startX = event.clientX;
      const startWidth = panel.getBoundingClientRect().width;
      splitter.classList.add('dragging');
      const move = (e) => set(name, startWidth + e.clientX - startX);
      const up = () => {
        splitter.classList.remove('dragging');
        splitter.removeEventListener('pointermove', move);
        splitter.removeEventListener('pointerup', up);
      };
      splitter.addEventListener('pointermove', move);
      splitter.addEventListener('pointerup', up);
    });
    splitter.addEventListener('keydown', (event) => {
      const step = event.shiftKey ? 60 : 20;
      const width = panel.getBoundingClientRect().width;
      if (event.key === 'ArrowLeft') set(name, width - step);
      else if (event.key === 'ArrowRight') set(name, width + step);
    });
  }
}
