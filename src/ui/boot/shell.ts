// The page's boot script, inlined in the built index.html's head (vite.config.ts bundles it): it runs before the
// app's own scripts have even been fetched.
// - Starts the engine's worker first, and holds the app's entry (preloaded: fetched and compiled, not run) until the
//   worker is up or the connection pressed here has settled, so React's evaluation does not compete with them.
// - Asks for what the first screen and the first Connect need (the lab list, the lab's CA and client certificate).
// - Brings the prerendered first screen to life until the app takes it: the Connect form's where-choice switches,
//   a Connect press to a server starts the handshake in the worker at once and the status line follows it; a press
//   for a lab scenario and other buttons are kept for the app to act on. The app takes over with
//   engine-boot.ts's takeBoot(): nothing pressed is lost, nothing runs twice.
import type { BootConnection, BootFocus, BootHandoff, BootState } from '../engine-boot.ts';
import type { ConnectionSummary, FromWorker } from '../../worker/messages.ts';
import { connectRequest, readConnectForm } from '../connect-form.ts';
import { LAB_PATHS, bridgeUrl, labFilesFrom, type LabFiles } from '../lab.ts';
import { sessionAnchors } from '../session.ts';
import { readUrlState, writeUrlState } from '../url-state.ts';
import { liveStatusText } from '../status-text.ts';
import { isWorkerReady } from '../../worker/ready.ts';

/** Set by the build: the engine worker's URL, the app's entry script, and the markup after the where-radios for each
 * choice. */
declare const ENGINE_WORKER_URL: string;
declare const APP_ENTRY_URL: string;
declare const WHERE_PARTS: { scenario: string; target: string };

const worker = new Worker(ENGINE_WORKER_URL, { type: 'module', name: 'tls-lens-engine' });

/** The longest the app waits for the worker (one that never says it is up, a handshake that hangs). */
const HOLD_APP_AT_MOST_MS = 3000;
let released = false;

/** Run the app's entry (the page has been fetching and compiling it: modulepreload), once, after the page is parsed.
 * On two cores shared with everything else, React's evaluation would compete with the worker's compile and the first
 * handshake; anything only the app can do (a lab scenario's Connect, a button, a file, a pause, a view in the URL) runs
 * it at once. */
function releaseApp() {
  if (released) return;
  released = true;
  const run = () => {
    const script = document.createElement('script');
    script.type = 'module';
    script.crossOrigin = 'anonymous';
    script.src = APP_ENTRY_URL;
    document.head.append(script);
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run, { once: true });
  else run();
}
worker.addEventListener('message', (e) => {
  if (isWorkerReady(e.data) && !connection) releaseApp();
});
worker.addEventListener('error', releaseApp);
setTimeout(releaseApp, HOLD_APP_AT_MOST_MS);

function get(path: string): Promise<{ status: number; text: string } | null> {
  return fetch(path).then(
    async (r) => ({ status: r.status, text: await r.text() }),
    () => null,
  );
}
const fetched: BootState['fetched'] = {};
for (const path of ['/api/lab', LAB_PATHS.ca, LAB_PATHS.clientCert, LAB_PATHS.clientKey]) fetched[path] = get(path);

// The lab's files as the Connect form sends them (ConnectView's labFilesOnce makes the same from the same GETs).
const text = (p: Promise<{ status: number; text: string } | null>) => p.then((r) => (r && r.status >= 200 && r.status < 300 ? r.text : null));
const labFiles: Promise<LabFiles> = Promise.all([text(fetched[LAB_PATHS.ca]), text(fetched[LAB_PATHS.clientCert]), text(fetched[LAB_PATHS.clientKey])]).then(([ca, certPem, keyPem]) =>
  labFilesFrom(ca, certPem !== null && keyPem !== null ? { certPem, keyPem } : undefined),
);
let labFilesHere: LabFiles | null = null;
void labFiles.then((f) => (labFilesHere = f));

// The prerendered screen is the app's first render for a page without view state in its URL; with any (a saved
// trace, a lab scenario, the workbench, presenter mode, a step), the app renders from scratch.
const url = readUrlState();
const shell = !(url.replay || url.scenario || url.workbench !== undefined || url.presenter || url.step !== undefined);
if (!shell) releaseApp();
const dark = url.theme ? url.theme === 'dark' : !!window.matchMedia?.('(prefers-color-scheme: dark)').matches;
if (dark) document.documentElement.dataset.theme = 'dark';

let taken = false;
let pressed = false;
const clicks: string[] = [];
const files: Record<string, FileList> = {};
let connection: (BootConnection & { summary?: ConnectionSummary }) | null = null;
const root = () => document.getElementById('root');
const shellForm = () => root()?.querySelector<HTMLFormElement>('form.connect') ?? null;
const byTestId = (id: string) => root()?.querySelector<HTMLElement>(`[data-testid="${id}"]`) ?? null;

/** The part of the where-fieldset after its two radios, as the app draws it for `mode`. */
function showWhere(form: HTMLFormElement, mode: 'scenario' | 'target') {
  const radios = form.querySelectorAll('input[name="mode"]');
  const after = radios[1]?.closest('label');
  if (!after) return;
  while (after.nextSibling) after.nextSibling.remove();
  after.insertAdjacentHTML('afterend', WHERE_PARTS[mode]);
}

/** The status line as the app shows a live connection. */
function showStatus(status: string, detail?: string) {
  const line = byTestId('status');
  if (!line || !connection) return;
  line.dataset.status = status;
  const words = document.createElement('span');
  words.textContent = liveStatusText(connection.request.target, status, detail, connection.summary);
  const parts: Node[] = [words];
  if (status === 'connecting') {
    const bar = document.createElement('progress');
    bar.setAttribute('aria-label', 'Connecting');
    parts.unshift(bar);
  }
  line.replaceChildren(...parts);
}

function onWorkerMessage(e: MessageEvent<FromWorker>) {
  const m = e.data;
  if (taken || !connection || m.id !== connection.id) return;
  connection.messages.push(m);
  if (m.type === 'status') {
    // "connected" brings the summary the status line names.
    if (m.summary) connection.summary = m.summary;
    showStatus(m.status, m.detail);
    if (m.status !== 'connecting') releaseApp();
  }
  else if (m.type === 'paused') {
    showStatus('paused', m.detail);
    releaseApp(); // only the app can continue
  }
  else if (m.type === 'resumed') showStatus('connecting');
}

/** Connect to the server the form names, as the app's Connect does (worker-client.ts connect). */
function connectNow(form: HTMLFormElement) {
  const choices = readConnectForm(form);
  const files = labFilesHere;
  const request = connectRequest(choices, { anchorsPem: [...(files?.anchorsPem ?? []), ...sessionAnchors()], labClientCert: files?.labClientCert, bridgeUrl: bridgeUrl() });
  writeUrlState({ scenario: undefined, target: request.target, replay: undefined });
  connection = { id: 1, request: files ? request : { ...request, labFilesPending: true }, messages: [], labFiles: files ? undefined : labFiles };
  const c = connection;
  if (!files) {
    // Sent on by the boot script unless the app has taken the connection over by then (it sends them itself).
    void labFiles.then((f) => {
      if (taken) return;
      c.labFiles = undefined;
      c.request = { ...c.request, anchorsPem: [...f.anchorsPem, ...c.request.anchorsPem], labClientCert: f.labClientCert, labFilesPending: false };
      worker.postMessage({ type: 'lab-files', id: c.id, ...f });
    });
  }
  worker.addEventListener('message', onWorkerMessage);
  worker.postMessage({ type: 'connect', id: c.id, request: c.request });
  // What the app's Connect does to the page: the form closes, the status line follows the connection.
  form.remove();
  const toggle = byTestId('toggle-connect');
  if (toggle) {
    toggle.textContent = 'Connect…';
    toggle.setAttribute('aria-expanded', 'false');
  }
  showStatus('connecting', 'opening the bridge');
}

const inShell = (t: EventTarget | null) => shell && !taken && t instanceof Element && !!root()?.contains(t);

document.addEventListener(
  'change',
  (e) => {
    const t = e.target as HTMLInputElement;
    if (!inShell(t)) return;
    // A file chosen for one of the header's file inputs (open a trace, a capture, a key log): for the app to open.
    if (t.type === 'file' && t.dataset.testid && t.files?.length) {
      files[t.dataset.testid] = t.files;
      return releaseApp();
    }
    if (t.name !== 'mode') return;
    const form = t.form;
    if (form) showWhere(form, t.value === 'target' ? 'target' : 'scenario');
  },
  true,
);

document.addEventListener(
  'submit',
  (e) => {
    const form = e.target as HTMLFormElement;
    if (!inShell(form) || !form.matches('form.connect')) return;
    e.preventDefault();
    e.stopPropagation();
    if (connection) return;
    if (readConnectForm(form).mode === 'target') connectNow(form);
    // A lab scenario needs the lab list the app draws: it connects once it has it.
    else {
      pressed = true;
      releaseApp();
    }
  },
  true,
);

document.addEventListener(
  'click',
  (e) => {
    if (!inShell(e.target)) return;
    const button = (e.target as Element).closest<HTMLButtonElement>('button[type="button"][data-testid]');
    if (!button) return;
    e.preventDefault();
    e.stopPropagation();
    clicks.push(button.dataset.testid!);
    releaseApp();
  },
  true,
);

function focusNow(): BootFocus | undefined {
  const el = document.activeElement;
  const top = root();
  if (!el || !top || el === document.body || !top.contains(el)) return undefined;
  const path: number[] = [];
  for (let n: Element = el; n !== top; n = n.parentElement!) path.unshift([...n.parentElement!.children].indexOf(n));
  const input = el as HTMLInputElement;
  let selection: [number, number] | undefined;
  try {
    if (typeof input.selectionStart === 'number') selection = [input.selectionStart, input.selectionEnd ?? input.selectionStart];
  } catch {
    /* a control without a text selection */
  }
  return { path, selection };
}

const boot: BootState = {
  worker,
  fetched,
  takeOver(): BootHandoff {
    taken = true;
    worker.removeEventListener('message', onWorkerMessage);
    const form = shell ? shellForm() : null;
    return {
      worker,
      shell,
      form: form && !connection ? readConnectForm(form) : undefined,
      connection: connection ?? undefined,
      pressed,
      clicks,
      files,
      focus: shell ? focusNow() : undefined,
      openDetails: shell ? [...(root()?.querySelectorAll('details') ?? [])].map((d) => d.open) : [],
    };
  },
};
window.tlsLensBoot = boot;

// The prerendered markup follows this script in the page: once it is parsed (before the first paint), drop it when
// the app will draw something else, or set its theme button.
const settle = () => {
  const top = root();
  if (!top) return;
  if (!shell) top.replaceChildren();
  else if (dark) {
    const theme = byTestId('theme-toggle');
    if (theme) {
      theme.textContent = 'Light';
      theme.setAttribute('aria-pressed', 'true');
    }
  }
};
// A parser-inserted script right after #root calls this (vite.config.ts), before anything below it is parsed.
(window as unknown as { tlsLensSettle: () => void }).tlsLensSettle = settle;
