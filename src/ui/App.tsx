// The page: header (status, files, theme, presenter), stepper, breakpoint decisions, and the
// ladder beside the detail panels — or, in presenter mode, one panel at a time in large type.
import { lazy, memo, Suspense, useEffect, useLayoutEffect, useRef, useState, type ComponentType } from 'react';
import { isConnectPending, onConnectPending, useTrace, type PanelId, type Status, type TraceState } from './store.ts';
import { LadderView } from './views/LadderView.tsx';
import { ConnectView } from './views/ConnectView.tsx';
import { ShortcutHints, StepperBar, runToEnd, runToNextBreakpoint, stepBack, stepForward } from './views/StepperBar.tsx';
import { BreakpointPanel } from './views/BreakpointPanel.tsx';
import { SendBar } from './views/SendBar.tsx';
import { openTraceFile, saveKeyLog, saveTrace } from './files.ts';
import { readUrlState, writeUrlState } from './url-state.ts';
import { engine } from './worker-client.ts';
import { CaptureControls, StreamList } from './capture/CaptureControls.tsx';
import { useCompare } from './compare/compare-store.ts';
import { useBothSides } from './both-sides/both-store.ts';
import { useClients } from './clients/clients-store.ts';
import { TraceFileInput } from './components/TraceFileInput.tsx';
import { liveStatusText } from './status-text.ts';
import { EarlyDataOutcome } from './early-data-outcome.tsx';
import type { ConnectForm } from './connect-form.ts';

// The certificate workbench loads on first use (it brings the x509 module and the Mozilla store).
const Workbench = lazy(() => import('./workbench/Workbench.tsx'));
// Both sides (our client and our server in the page) loads on first use: it brings the server engine.
const BothSidesView = lazy(() => import('./both-sides/BothSidesView.tsx'));
// Compare (two handshakes side by side) loads on first use.
const CompareView = lazy(() => import('./compare/CompareView.tsx').then((m) => ({ default: m.CompareView })));
// The Clients view (real clients of the app's serve listener, live) loads on first use.
const ClientsView = lazy(() => import('./clients/ClientsView.tsx'));

// The detail panels (and what they need: explanations, API call tables) load when a session is first shown; the
// first screen is the Connect form. preloadPanels() fetches them right after it; once a panel's module is here it
// renders at once (React.lazy alone would show its fallback for a moment on first use, even then).
type LazyPanel = Exclude<PanelId, 'ladder'>;
const panelModules: Record<LazyPanel, () => Promise<ComponentType>> = {
  inspector: () => import('./views/InspectorView.tsx').then((m) => m.InspectorView),
  keys: () => import('./views/KeyScheduleView.tsx').then((m) => m.KeyScheduleView),
  certificates: () => import('./views/CertificatesView.tsx').then((m) => m.CertificatesView),
  api: () => import('./views/ApiView.tsx').then((m) => m.ApiView),
};
const loadedPanels: Partial<Record<LazyPanel, ComponentType>> = {};
const loadPanel = (panel: LazyPanel) => panelModules[panel]().then((c) => (loadedPanels[panel] = c));
const lazyPanel = (panel: LazyPanel) => lazy(() => loadPanel(panel).then((c) => ({ default: c })));
const lazyPanels: Record<LazyPanel, ComponentType> = { inspector: lazyPanel('inspector'), keys: lazyPanel('keys'), certificates: lazyPanel('certificates'), api: lazyPanel('api') };

export function preloadPanels(): void {
  for (const panel of Object.keys(panelModules) as LazyPanel[]) void loadPanel(panel).catch(() => {});
}

const PANEL_TITLES: Record<PanelId, string> = { ladder: 'Ladder', inspector: 'Message', keys: 'Key schedule', certificates: 'Certificates', api: 'API calls' };

// Memoised, as the views below: the App's own renders (the Connect form shown or hidden, an error) do not draw them
// again; each follows the store's parts it reads.
const PanelContent = memo(function PanelContent({ panel }: { panel: PanelId }) {
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <PanelView panel={panel} />
    </Suspense>
  );
});

function PanelView({ panel }: { panel: PanelId }) {
  if (panel === 'ladder') return <LadderView />;
  const View = loadedPanels[panel] ?? lazyPanels[panel];
  return <View />;
}

const Tabs = memo(function Tabs({ panels }: { panels: PanelId[] }) {
  const panel = useTrace((s) => s.panel);
  const setPanel = useTrace((s) => s.setPanel);
  const onKey = (e: React.KeyboardEvent) => {
    const i = panels.indexOf(panel);
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.stopPropagation();
      e.preventDefault();
      const next = panels[(i + (e.key === 'ArrowRight' ? 1 : panels.length - 1)) % panels.length];
      setPanel(next);
      document.getElementById(`tab-${next}`)?.focus();
    }
  };
  return (
    <div role="tablist" aria-label="Panels" className="tabs" onKeyDown={onKey}>
      {panels.map((p) => (
        <button key={p} id={`tab-${p}`} role="tab" type="button" aria-selected={panel === p} aria-controls={`panel-${p}`} tabIndex={panel === p ? 0 : -1} onClick={() => setPanel(p)}>
          {PANEL_TITLES[p]}
        </button>
      ))}
    </div>
  );
});

/** The status line's words for the store's state: a pressed Connect changes them when it is drawn (worker-client.ts,
 * `undrawn`), saying "connecting" only if the connection takes longer than a tenth of a second. */
function statusWords(s: TraceState): string {
  if (s.source === 'replay') return `Offline replay of ${s.replayName}`;
  if (s.source === 'live') return liveStatusText(s.target, s.status, s.statusDetail, s.summary);
  return 'No session';
}

/** Change an element's words in place: its one text node's data, where it has one. Replacing the node
 * (`textContent`) cost the page ~120 µs at a status change against ~60 µs (a new node, its layout object and a
 * child-list change), in the 'connected' message's task (docs/app-connect.md, session 11). */
function setText(el: HTMLElement, words: string) {
  const node = el.firstChild;
  if (node && node === el.lastChild && node.nodeType === Node.TEXT_NODE) (node as Text).data = words;
  else el.textContent = words;
}

/** The status the line's `data-status` names: a pressed Connect's at once, or the store's. */
const statusOf = (s: TraceState): Status => (isConnectPending() ? 'connecting' : s.status);

/** The status line, written to the page by a small writer subscribed to the store rather than drawn by React: it
 * changes at the press and at every status, and each was a render (at the press, while the bridge opens; at
 * 'connected', before the session's own). React draws it once; the writer keeps it.
 * At the press only `data-status` changes (it is not drawn: no style reads it), so whatever watches the line never
 * takes the previous session's status for the new one's; the words and the progress bar change when the connection
 * is drawn, "connecting" only for one that takes longer than a tenth of a second (docs/app-connect.md). Drawing them
 * at once cost a frame (layout, paint, raster, compositing) exactly while the bridge opened. */
const StatusLine = memo(function StatusLine() {
  const line = useRef<HTMLDivElement>(null);
  const progress = useRef<HTMLProgressElement>(null);
  const text = useRef<HTMLSpanElement>(null);
  // The first drawing comes from React (and the build's prerendered first screen); the writer takes over from it.
  const [first] = useState(() => ({ status: statusOf(useTrace.getState()), words: statusWords(useTrace.getState()), busy: useTrace.getState().status === 'connecting' }));
  useLayoutEffect(() => {
    let { status, words, busy } = first;
    const write = (s: TraceState) => {
      const now = statusWords(s);
      if (statusOf(s) !== status) line.current!.dataset.status = status = statusOf(s);
      if ((s.status === 'connecting') !== busy) progress.current!.hidden = !(busy = s.status === 'connecting');
      if (now !== words) setText(text.current!, (words = now));
    };
    write(useTrace.getState());
    const stopTrace = useTrace.subscribe(write);
    const stopPending = onConnectPending(() => write(useTrace.getState()));
    return () => {
      stopTrace();
      stopPending();
    };
  }, []);
  return (
    <div ref={line} className="status" data-testid="status" data-status={first.status} aria-live="polite">
      <progress ref={progress} aria-label="Connecting" hidden={!first.busy} />
      <span ref={text}>{first.words}</span>
    </div>
  );
});

/** Key update, renegotiate and close, for a live connection that is up: their own component, so a status change
 * draws them and the status line, not the whole page. */
function LiveActions() {
  const source = useTrace((s) => s.source);
  const status = useTrace((s) => s.status);
  const summary = useTrace((s) => s.summary);
  if (source !== 'live' || status !== 'connected') return null;
  return (
    <>
      {summary?.version === 'TLSv1.3' && (
        <button type="button" onClick={() => engine.keyUpdate(true)} data-testid="key-update">
          Key update
        </button>
      )}
      {summary?.version === 'TLSv1.2' && summary.secureRenegotiation && (
        <button type="button" onClick={() => engine.renegotiate()} data-testid="renegotiate" title="Start a new TLS 1.2 handshake inside this encrypted connection (RFC 5746 secure renegotiation)">
          Renegotiate
        </button>
      )}
      <button type="button" onClick={() => engine.close()} data-testid="close-connection">
        Close
      </button>
    </>
  );
}

async function openTrace(file: File) {
  try {
    // A file damaged part-way opens as far as it is sound, and says where it stopped.
    useTrace.getState().setError(await openTraceFile(file));
  } catch (err) {
    useTrace.getState().setError(`That file could not be opened: ${(err as Error).message}`);
  }
}

/** The Connect form is shown unless Compare takes the page (asking for the form closes Compare). */
function useConnectShown(): boolean {
  const shown = useTrace((s) => s.showConnect);
  const compareOpen = useCompare((s) => s.open);
  return shown && !compareOpen;
}

/** The header's Connect… / Hide connect: its own component, so the form's showing draws it, not the page. */
function ConnectToggle({ closeOthers }: { closeOthers: () => void }) {
  const connectShown = useConnectShown();
  return (
    <button
      type="button"
      onClick={() => {
        closeOthers();
        useTrace.getState().setShowConnect(!connectShown);
      }}
      aria-expanded={connectShown}
      data-testid="toggle-connect"
    >
      {connectShown ? 'Hide connect' : 'Connect…'}
    </button>
  );
}

// The capture controls and stream list draw with the page only when what they read changes.
const CaptureControlsMemo = memo(CaptureControls);
const StreamListMemo = memo(StreamList);

type FirstForm = { form?: ConnectForm; pressed?: boolean };

/** The Connect form, hidden rather than removed once its Connect is drawn (store.ts, connectFormKept: removing it
 * was most of that render); each new showing mounts a fresh form (its key). Its own component: hiding it draws only
 * this, not the page. */
function ConnectSlot({ firstForm, scenario, autoConnect }: { firstForm: React.RefObject<FirstForm>; scenario?: string; autoConnect: boolean }) {
  const connectShown = useConnectShown();
  const kept = useTrace((s) => s.connectFormKept);
  const id = useTrace((s) => s.connectFormId);
  useEffect(() => {
    if (!connectShown) firstForm.current = {};
  }, [connectShown]);
  if (!connectShown && !kept) return null;
  return (
    <div className="connect-slot" hidden={!connectShown}>
      <ConnectView key={id} initialScenario={scenario} autoConnect={autoConnect} initial={firstForm.current.form} pressed={firstForm.current.pressed} />
    </div>
  );
}

type PageView = 'workbench' | 'both-sides' | 'clients' | 'compare';
const PAGE_VIEWS: PageView[] = ['workbench', 'both-sides', 'clients', 'compare'];

/** A header button that opens and closes one of the views that take the page. */
function ViewToggle({ open, onToggle, testId, children }: { open: boolean; onToggle: (open: boolean) => void; testId: string; children: React.ReactNode }) {
  return (
    <button type="button" onClick={() => onToggle(!open)} aria-pressed={open} data-testid={testId}>
      {children}
    </button>
  );
}

/** Elements whose keys are their own: text fields, lists, sliders, editable text, and the Connect form. */
const TAKES_KEYS =
  'input, select, textarea, [contenteditable]:not([contenteditable="false"]), [role="textbox"], [role="searchbox"], [role="combobox"], [role="spinbutton"], [role="slider"], [role="listbox"], form.connect';

/**
 * Whether `t` or a box around it, short of the ladder and the page, scrolls up and down: the browser's Home and End
 * then move that box. The ladder's list is excluded, as on it Home and End go to the first and last step.
 */
function scrollsOnItsOwn(t: Element): boolean {
  if (t.closest('.ladder')) return false;
  for (let el: Element | null = t; el && el !== document.body && el !== document.documentElement; el = el.parentElement) {
    if (el.scrollHeight > el.clientHeight + 1) {
      const overflow = getComputedStyle(el).overflowY;
      if (overflow === 'auto' || overflow === 'scroll') return true;
    }
  }
  return false;
}

/** `connectForm`, `connectPressed`: the Connect form's choices and a press made in the prerendered first screen before
 * the app loaded (main.tsx). */
export function App({ connectForm, connectPressed }: { connectForm?: ConnectForm; connectPressed?: boolean } = {}) {
  const theme = useTrace((s) => s.theme);
  const presenter = useTrace((s) => s.presenter);
  const panel = useTrace((s) => s.panel);
  const error = useTrace((s) => s.error);
  const source = useTrace((s) => s.source);
  const compareOpen = useCompare((s) => s.open);
  const bothSidesOpen = useBothSides((s) => s.open);
  // The Clients view takes the page like Both sides; opening any other view closes it.
  const clientsOpen = useClients((s) => s.open);
  const fullPage = bothSidesOpen || clientsOpen;
  const fileInput = useRef<HTMLInputElement>(null);
  // What the prerendered form had is for the form's first showing only (a later Connect… opens a fresh form).
  const firstForm = useRef<FirstForm>({ form: connectForm, pressed: connectPressed });
  // Read once (an argument to useRef would be evaluated on every render).
  const [initialUrl] = useState(readUrlState);
  const initial = useRef(initialUrl);
  // undefined: closed; '' : open and empty; otherwise the share payload it opened with (a link).
  const [workbench, setWorkbench] = useState<string | undefined>(initial.current.workbench);
  // Closing keeps the chain and settings (its share payload) for the next opening.
  const lastWorkbench = useRef('');
  const toggleWorkbench = (open: boolean) => {
    if (!open) lastWorkbench.current = readUrlState().workbench ?? '';
    setWorkbench(open ? lastWorkbench.current : undefined);
    writeUrlState({ workbench: open ? lastWorkbench.current : undefined });
  };

  // The views that take the page: opening one closes the others; closing one closes only it.
  const setViewOpen: Record<PageView, (open: boolean) => void> = {
    workbench: (open) => open !== (workbench !== undefined) && toggleWorkbench(open),
    'both-sides': (open) => useBothSides.getState().setOpen(open),
    clients: (open) => useClients.getState().setOpen(open),
    compare: (open) => useCompare.getState().setOpen(open),
  };
  const closeViews = (views: PageView[]) => views.forEach((v) => setViewOpen[v](false));
  const showView = (view: PageView, open: boolean) => {
    if (open) closeViews(PAGE_VIEWS.filter((v) => v !== view));
    setViewOpen[view](open);
  };

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
      const t = e.target instanceof Element ? e.target : null;
      // Keys typed into a text field, a list or a slider are the field's, never a step.
      if (t?.closest(TAKES_KEYS)) return;
      // Home and End in a focused panel that scrolls scroll it (the ladder's own list steps: its rows are the steps).
      if (t && (e.key === 'Home' || e.key === 'End') && scrollsOnItsOwn(t)) return;
      // Arrows and Home/End belong to the tab list while it has focus.
      if (t?.closest('[role="tablist"]') && ['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) return;
      const s = useTrace.getState();
      const panels: PanelId[] = ['ladder', 'inspector', 'keys', 'certificates', 'api'];
      let handled = true;
      switch (e.key) {
        case 'ArrowRight':
        case 'j':
          stepForward();
          break;
        case 'ArrowLeft':
        case 'k':
          stepBack();
          break;
        case 'Home':
          s.setCursor(0);
          break;
        case 'End':
        case 'e':
          runToEnd();
          break;
        case 'n':
          runToNextBreakpoint();
          break;
        case 'p':
          s.setPresenter(!s.presenter);
          break;
        case 'Escape':
          if (s.presenter) s.setPresenter(false);
          else handled = false;
          break;
        default:
          if (/^[1-5]$/.test(e.key)) s.setPanel(panels[Number(e.key) - 1]);
          else handled = false;
      }
      if (handled) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const sidePanels: PanelId[] = ['inspector', 'keys', 'certificates', 'api'];
  const allPanels: PanelId[] = ['ladder', ...sidePanels];
  const shownPanel = !presenter && panel === 'ladder' ? 'inspector' : panel;

  return (
    <div className={`app${presenter ? ' presenter' : ''}`}>
      <header className="top">
        <h1>TLS Lens</h1>
        <StatusLine />
        <div className="actions">
          <ViewToggle open={workbench !== undefined} onToggle={(open) => showView('workbench', open)} testId="open-workbench">
            Certificate workbench
          </ViewToggle>
          <ConnectToggle closeOthers={() => closeViews(['clients', 'both-sides', 'compare'])} />
          <LiveActions />
          <ViewToggle open={bothSidesOpen} onToggle={(open) => showView('both-sides', open)} testId="toggle-both-sides">
            Both sides
          </ViewToggle>
          <ViewToggle open={clientsOpen} onToggle={(open) => showView('clients', open)} testId="toggle-clients">
            Clients
          </ViewToggle>
          <ViewToggle open={compareOpen} onToggle={(open) => showView('compare', open)} testId="toggle-compare">
            Compare
          </ViewToggle>
          <button type="button" onClick={() => fileInput.current?.click()} data-testid="open-trace">
            Open trace
          </button>
          <TraceFileInput inputRef={fileInput} label="Trace file to open" testId="open-trace-input" onFile={openTrace} />
          <CaptureControlsMemo />
          <button type="button" onClick={saveTrace} disabled={source === 'none'} data-testid="save-trace">
            Save trace
          </button>
          <button type="button" onClick={saveKeyLog} disabled={source === 'none'} data-testid="save-keylog">
            Key log
          </button>
          <button type="button" onClick={() => useTrace.getState().setTheme(theme === 'dark' ? 'light' : 'dark')} aria-pressed={theme === 'dark'} className="theme-toggle" data-testid="theme-toggle">
            {theme === 'dark' ? 'Light' : 'Dark'}
          </button>
          <button type="button" onClick={() => useTrace.getState().setPresenter(!presenter)} aria-pressed={presenter} data-testid="presenter-toggle">
            Presenter
          </button>
        </div>
      </header>
      <EarlyDataOutcome />
      <StreamListMemo />
      {error && (
        <div role="alert" className="error-banner" data-testid="error">
          <span>{error}</span>
          <button type="button" onClick={() => useTrace.getState().setError(undefined)} aria-label="Dismiss the error">
            ×
          </button>
        </div>
      )}
      <main>
        {clientsOpen && (
          <Suspense fallback={<p className="empty">Loading the clients…</p>}>
            <ClientsView />
          </Suspense>
        )}
        {bothSidesOpen && !clientsOpen && (
          <Suspense fallback={<p className="empty">Loading both sides…</p>}>
            <BothSidesView />
          </Suspense>
        )}
        {!fullPage && workbench !== undefined && (
          <Suspense fallback={<p className="empty">Loading the workbench…</p>}>
            <Workbench initialFragment={workbench ? `workbench=${workbench}` : undefined} onClose={() => toggleWorkbench(false)} />
          </Suspense>
        )}
        {!fullPage && workbench === undefined && compareOpen && (
          <Suspense fallback={<p className="empty">Loading compare…</p>}>
            <CompareView />
          </Suspense>
        )}
        {!fullPage && workbench === undefined && <ConnectSlot firstForm={firstForm} scenario={initial.current.scenario} autoConnect={!!initial.current.scenario && !initial.current.replay} />}
        {!fullPage && workbench === undefined && source !== 'none' && !compareOpen && (
          <>
            <StepperBar />
            <ShortcutHints />
            <BreakpointPanel />
            <SendBar />
            {presenter ? (
              <div className="one-panel">
                <Tabs panels={allPanels} />
                <div role="tabpanel" id={`panel-${panel}`} aria-labelledby={`tab-${panel}`} className="panel-body" tabIndex={0}>
                  <PanelContent panel={panel} />
                </div>
              </div>
            ) : (
              <div className="split">
                <LadderView />
                <div className="side">
                  <Tabs panels={sidePanels} />
                  <div role="tabpanel" id={`panel-${shownPanel}`} aria-labelledby={`tab-${shownPanel}`} className="panel-body" tabIndex={0}>
                    <PanelContent panel={shownPanel} />
                  </div>
                </div>
              </div>
            )}
          </>
        )}
      </main>
    </div>
  );
}
