// Stepping and scrolling timed inside the page (input → DOM updated and laid out), shared by bench/ui.ts and
// bench/browser.ts.
import type { Page } from 'playwright-core';

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** In-page: input → DOM updated and laid out, `count` times. Sent as source text so the bundler's helpers stay out. */
const IN_PAGE_TIMER = `async ({ kind, count, jump }) => {
  const macrotask = () => new Promise((r) => { const ch = new MessageChannel(); ch.port1.onmessage = () => r(); ch.port2.postMessage(0); });
  const list = document.querySelector('[data-testid="ladder-list"]');
  const out = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    if (kind === 'step') {
      window.dispatchEvent(new KeyboardEvent('keydown', { key: i % 10 === 9 ? 'k' : 'j', bubbles: true }));
    } else {
      list.scrollTop = (list.scrollTop + jump) % (list.scrollHeight - list.clientHeight);
      list.dispatchEvent(new Event('scroll'));
    }
    await macrotask();
    document.body.getBoundingClientRect();
    void document.body.offsetHeight;
    out.push(performance.now() - t0);
    await new Promise((r) => requestAnimationFrame(() => r(null)));
  }
  return out;
}`;

/** `jump`: pixels per scroll (120 = one mouse-wheel notch, 997 = a page and more: every row new). */
export async function timeInPage(page: Page, kind: 'step' | 'scroll', count: number, jump = 120): Promise<number[]> {
  return page.evaluate(`(${IN_PAGE_TIMER})(${JSON.stringify({ kind, count, jump })})`) as Promise<number[]>;
}
