// The page: header (status, files, theme, presenter), stepper, breakpoint decisions, and the
// ladder beside the detail panels — or, in presenter mode, one panel at a time in large type.
import { useEffect, useRef } from 'react';
import { useTrace, type PanelId } from './store.ts';
import { LadderView } from './views/LadderView.tsx';
import { InspectorView } from './views/InspectorView.tsx';
import { KeyScheduleView } from './views/KeyScheduleView.tsx';
import { CertificatesView } from './views/CertificatesView.tsx';
import { ApiView } from './views/ApiView.tsx';
import { ConnectView } from './views/ConnectView.tsx';
import { ShortcutHints, StepperBar, runToEnd, runToNextBreakpoint, stepBack, stepForward } from './views/StepperBar.tsx';
import { BreakpointPanel } from './views/BreakpointPanel.tsx';
import { SendBar } from './views/SendBar.tsx';
import { openTraceFile, saveKeyLog, saveTrace } from './files.ts';
import { readUrlState } from './url-state.ts';
import { engine } from './engine.ts';
import { CaptureControls, StreamList } from './capture/CaptureControls.tsx';

const PANEL_TITLES: Record<PanelId, string> = { ladder: 'Ladder', inspector: 'Message', keys: 'Key schedule', certificates: 'Certificates', api: 'API calls' };

function PanelContent({ panel }: { panel: PanelId }) {
  switch (panel) {
    case 'ladder':
      return <LadderView />;
    case 'inspector':
      return <InspectorView />;
    case 'keys':
      return <KeyScheduleView />;
    case 'certificates':
      return <CertificatesView />;
    case 'api':
      return <ApiView />;
  }
}

function Tabs({ panels }: { panels: PanelId[] }) {
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
}

function StatusLine() {
  const status = useTrace((s) => s.status);
  const detail = useTrace((s) => s.statusDetail);
  const source = useTrace((s) => s.source);
  const replayName = useTrace((s) => s.replayName);
  const target = useTrace((s) => s.target);
  const summary = useTrace((s) => s.summary);
  return (
    <div className="status" data-testid="status" data-status={status} aria-live="polite">
      {status === 'connecting' && <progress aria-label="Connecting" />}
      {source === 'replay' ? (
        <span>Offline replay of {replayName}</span>
      ) : source === 'live' ? (
        <span>
          {target}: {status}
          {detail ? ` — ${detail}` : ''}
          {summary && status === 'connected' ? ` (${[summary.version, summary.cipherSuite, summary.group, summary.alpn && `ALPN ${summary.alpn}`, summary.resumed && 'resumed'].filter(Boolean).join(', ')})` : ''}
        </span>
      ) : (
        <span>No session</span>
      )}
    </div>
  );
}

export function App() {
  const theme = useTrace((s) => s.theme);
  const presenter = useTrace((s) => s.presenter);
  const panel = useTrace((s) => s.panel);
  const showConnect = useTrace((s) => s.showConnect);
  const error = useTrace((s) => s.error);
  const source = useTrace((s) => s.source);
  const status = useTrace((s) => s.status);
  const summary = useTrace((s) => s.summary);
  const fileInput = useRef<HTMLInputElement>(null);
  const initial = useRef(readUrlState());

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (t.closest('input, select, textarea, form.connect')) return;
      // Arrows and Home/End belong to the tab list while it has focus.
      if (t.closest('[role="tablist"]') && ['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) return;
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
          <button type="button" onClick={() => useTrace.getState().setShowConnect(!showConnect)} aria-expanded={showConnect} data-testid="toggle-connect">
            {showConnect ? 'Hide connect' : 'Connect…'}
          </button>
          {source === 'live' && status === 'connected' && (
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
          )}
          <button type="button" onClick={() => fileInput.current?.click()} data-testid="open-trace">
            Open trace
          </button>
          <input
            ref={fileInput}
            type="file"
            accept=".json,application/json"
            hidden
            aria-label="Trace file to open"
            data-testid="open-trace-input"
            onChange={async (e) => {
              const f = e.target.files?.[0];
              e.target.value = '';
              if (!f) return;
              try {
                await openTraceFile(f);
                useTrace.getState().setError(undefined);
              } catch (err) {
                useTrace.getState().setError(`That file could not be opened: ${(err as Error).message}`);
              }
            }}
          />
          <CaptureControls />
          <button type="button" onClick={saveTrace} disabled={source === 'none'} data-testid="save-trace">
            Save trace
          </button>
          <button type="button" onClick={saveKeyLog} disabled={source === 'none'} data-testid="save-keylog">
            Key log
          </button>
          <button type="button" onClick={() => useTrace.getState().setTheme(theme === 'dark' ? 'light' : 'dark')} aria-pressed={theme === 'dark'}>
            {theme === 'dark' ? 'Light' : 'Dark'}
          </button>
          <button type="button" onClick={() => useTrace.getState().setPresenter(!presenter)} aria-pressed={presenter} data-testid="presenter-toggle">
            Presenter
          </button>
        </div>
      </header>
      <StreamList />
      {error && (
        <div role="alert" className="error-banner" data-testid="error">
          <span>{error}</span>
          <button type="button" onClick={() => useTrace.getState().setError(undefined)} aria-label="Dismiss the error">
            ×
          </button>
        </div>
      )}
      <main>
        {showConnect && <ConnectView initialScenario={initial.current.scenario} autoConnect={!!initial.current.scenario && !initial.current.replay} />}
        {source !== 'none' && (
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
