// The view lives in the URL hash so a link reopens it: panel, step, theme, presenter mode,
// and the session (a lab scenario, a target, or a saved trace kept in this browser).
import type { PanelId, Theme } from './store.ts';

export interface UrlState {
  panel?: PanelId;
  step?: number;
  theme?: Theme;
  presenter?: boolean;
  scenario?: string;
  target?: string;
  replay?: string;
  /** The certificate workbench is open; the value is its share payload ('' when empty). */
  workbench?: string;
}

const PANELS: PanelId[] = ['ladder', 'inspector', 'keys', 'certificates', 'api'];

export function readUrlState(): UrlState {
  const p = new URLSearchParams(location.hash.replace(/^#/, ''));
  const panel = p.get('panel') as PanelId | null;
  const step = p.get('step');
  return {
    panel: panel && PANELS.includes(panel) ? panel : undefined,
    step: step && /^\d+$/.test(step) ? parseInt(step, 10) : undefined,
    theme: p.get('theme') === 'dark' ? 'dark' : p.get('theme') === 'light' ? 'light' : undefined,
    presenter: p.get('presenter') === '1' ? true : undefined,
    scenario: p.get('scenario') ?? undefined,
    target: p.get('target') ?? undefined,
    replay: p.get('replay') ?? undefined,
    workbench: p.get('workbench') ?? undefined,
  };
}

let current: UrlState = {};

/** Merge into the URL state; keys set to undefined are removed. */
export function writeUrlState(patch: Partial<UrlState>): void {
  current = { ...readUrlState(), ...patch };
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(current)) {
    if (v === undefined || v === false) continue;
    p.set(k, v === true ? '1' : String(v));
  }
  const hash = '#' + p.toString();
  if (hash !== location.hash) history.replaceState(null, '', hash);
}
