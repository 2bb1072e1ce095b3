// Entry: takes over from the page's boot script (engine-boot.ts), restores the view from the URL, then renders the app
// and keeps the URL in step.
import { createRoot } from 'react-dom/client';
import { flushSync } from 'react-dom';
import { App, preloadPanels } from './App.tsx';
import { afterConnecting, useTrace } from './store.ts';
import { readUrlState, writeUrlState } from './url-state.ts';
import { openStoredReplay } from './files.ts';
import './styles.css';
import { preloadCertificateDecoder } from './components/CertificateDetails.tsx';
import { engine } from './worker-client.ts';
import { takeBoot, type BootFocus } from './engine-boot.ts';

// First of all: what the boot script did before this module loaded (a connection it started is this page's now).
const boot = takeBoot();
if (boot.connection) engine.connect(boot.connection.request, boot.connection.labFiles, { started: boot.connection });
const initial = readUrlState();
const s = useTrace.getState();
if (initial.theme) s.setTheme(initial.theme);
else if (window.matchMedia?.('(prefers-color-scheme: dark)').matches) s.setTheme('dark');
if (initial.presenter) s.setPresenter(true);
if (initial.panel) s.setPanel(initial.panel);
if (initial.replay) {
  try {
    if (!openStoredReplay(initial.replay)) s.setError('The saved trace in this link is not stored in this browser; open the trace file again.');
  } catch (e) {
    s.setError(`The saved trace could not be reopened: ${(e as Error).message}`);
  }
}
if (initial.step !== undefined && useTrace.getState().rows.length > 0) useTrace.getState().setCursor(initial.step - 1);
else if (initial.step !== undefined && initial.scenario) {
  // A link to a lab session: once the new connection has run, go back to the step the link named.
  const stop = useTrace.subscribe((st) => {
    if ((st.status === 'connected' || st.status === 'closed' || st.status === 'failed') && st.rows.length > 0) {
      stop();
      setTimeout(() => useTrace.getState().setCursor(initial.step! - 1), 300);
    }
  });
}

// Keep the URL in step with the view; throttled because browsers limit replaceState rates. While the view follows a
// live connection its step moves with every batch: the URL follows more slowly then (a replaceState per batch
// cost the page more than the batch).
let pending = false;
useTrace.subscribe(() => {
  if (pending) return;
  pending = true;
  const live = useTrace.getState();
  const following = live.follow && (live.status === 'connecting' || live.status === 'connected');
  // A replaceState costs the page a few ms: it waits for an idle moment past any "connecting" (a Connect pressed
  // meanwhile), so it never lands inside a handshake's round trips, where the page is idle but the machine's cores
  // are not (the bridge, the worker and the server).
  const write = () => {
    pending = false;
    const now = useTrace.getState();
    writeUrlState({ panel: now.panel, step: now.cursor >= 0 ? now.cursor + 1 : undefined, theme: now.theme, presenter: now.presenter });
  };
  const whenIdle = () => (typeof requestIdleCallback === 'function' ? requestIdleCallback(write, { timeout: 1000 }) : write());
  setTimeout(() => afterConnecting(whenIdle), following ? 1000 : 250);
});

// The first render replaces the prerendered first screen in one go (it draws the same, with what the person chose
// there); then the focus, the open <details>, the presses and the files chosen that the boot script kept are put back.
const rootElement = document.getElementById('root')!;
const root = createRoot(rootElement);
if (boot.shell) {
  flushSync(() => root.render(<App connectForm={boot.form} connectPressed={boot.pressed} />));
  restoreFocus(rootElement, boot.focus);
  rootElement.querySelectorAll('details').forEach((d, i) => boot.openDetails[i] && (d.open = true));
  for (const id of boot.clicks) rootElement.querySelector<HTMLElement>(`[data-testid="${id}"]`)?.click();
  for (const [id, files] of Object.entries(boot.files)) {
    const input = rootElement.querySelector<HTMLInputElement>(`input[type="file"][data-testid="${id}"]`);
    if (!input) continue;
    input.files = files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }
} else root.render(<App />);

function restoreFocus(top: Element, focus?: BootFocus) {
  if (!focus) return;
  let el: Element | undefined = top;
  for (const i of focus.path) el = el?.children[i];
  if (!(el instanceof HTMLElement)) return;
  el.focus();
  if (focus.selection && el instanceof HTMLInputElement) {
    try {
      el.setSelectionRange(...focus.selection);
    } catch {
      /* not a text control */
    }
  }
}
// The engine's worker loads and compiles while the person fills in the Connect form (the built page's head has
// started it already: engine-boot.ts).
engine.warmUp();
// What the first screen does not show loads once the page is idle: the detail panels, then the certificate
// decoder (its ASN.1 schemas take 100 ms and more to set up: not while the first handshake's views draw).
const whenIdle = (f: () => void, timeout: number) => ('requestIdleCallback' in window ? requestIdleCallback(() => f(), { timeout }) : setTimeout(f, 50));
whenIdle(preloadPanels, 1000);
const settled = () => ['connected', 'closed', 'failed', 'replay'].includes(useTrace.getState().status);
let decoderAsked = false;
const preloadDecoder = () => {
  if (decoderAsked) return;
  decoderAsked = true;
  stopWatching();
  whenIdle(preloadCertificateDecoder, 2000);
};
const stopWatching = useTrace.subscribe(() => settled() && preloadDecoder());
if (settled()) preloadDecoder();
setTimeout(preloadDecoder, 5000);
