// Step through the trace: back/forward, next breakpoint, end, jump. In a live session that is
// paused, stepping past the newest row lets the engine go on.
import { memo, useState } from 'react';
import { useTrace } from '../store.ts';
import { engine } from '../worker-client.ts';
import { breakpointTitle } from '../rows.ts';

export function stepForward() {
  const s = useTrace.getState();
  if (s.cursor < s.rows.length - 1) return s.step(1);
  if (s.source === 'live' && s.status === 'paused' && s.pause) {
    useTrace.setState({ follow: true });
    engine.continueRun('step');
  }
}

export function stepBack() {
  useTrace.getState().step(-1);
}

export function runToNextBreakpoint() {
  const s = useTrace.getState();
  for (let i = s.cursor + 1; i < s.rows.length; i++) if (s.rows[i].kind === 'pause') return s.setCursor(i);
  if (s.source === 'live' && s.status === 'paused') {
    useTrace.setState({ follow: true });
    s.setCursor(s.rows.length - 1);
    engine.continueRun('breakpoint');
    return;
  }
  s.setCursor(s.rows.length - 1);
}

export function runToEnd() {
  const s = useTrace.getState();
  s.setCursor(s.rows.length - 1);
  if (s.source === 'live') {
    useTrace.setState({ follow: true });
    if (s.status === 'paused' && s.pause && s.pause.breakpoint === 'afterEachMessage') engine.continueRun('end');
  }
}

export const StepperBar = memo(function StepperBar() {
  useTrace((s) => s.revision);
  const cursor = useTrace((s) => s.cursor);
  const status = useTrace((s) => s.status);
  const pause = useTrace((s) => s.pause);
  const total = useTrace.getState().rows.length;
  const [jump, setJump] = useState('');

  const doJump = (e: React.FormEvent) => {
    e.preventDefault();
    const n = parseInt(jump, 10);
    if (Number.isFinite(n)) useTrace.getState().setCursor(n - 1);
  };

  return (
    <nav className="stepper" aria-label="Stepper">
      <button type="button" onClick={() => useTrace.getState().setCursor(0)} disabled={cursor <= 0} title="First step (Home)">First</button>
      <button type="button" onClick={stepBack} disabled={cursor <= 0} title="Step back (← or k)">◀ Back</button>
      <button type="button" onClick={stepForward} data-testid="step-forward" title="Step forward (→ or j)" disabled={cursor >= total - 1 && !(status === 'paused' && pause)}>
        Step ▶
      </button>
      <button type="button" onClick={runToNextBreakpoint} title="Run to the next breakpoint (n)">Next breakpoint ▶▶</button>
      <button type="button" onClick={runToEnd} title="Run to the end (End or e)">To end ▶|</button>
      <form onSubmit={doJump} className="jump">
        <label>
          Jump to step <input type="number" min={1} max={Math.max(total, 1)} value={jump} onChange={(e) => setJump(e.target.value)} size={5} data-testid="jump-input" />
        </label>
        <button type="submit">Go</button>
      </form>
      <span className="position" data-testid="position" aria-live="polite">
        Step {cursor + 1} of {total}
        {pause ? ` — paused: ${breakpointTitle(pause.breakpoint)}` : ''}
      </span>
    </nav>
  );
});

export const ShortcutHints = memo(function ShortcutHints() {
  return (
    <p className="shortcuts">
      Keys: <kbd>→</kbd>/<kbd>j</kbd> step, <kbd>←</kbd>/<kbd>k</kbd> back, <kbd>Home</kbd> first, <kbd>End</kbd>/<kbd>e</kbd> end, <kbd>n</kbd> next breakpoint, <kbd>1</kbd>–<kbd>5</kbd> panels, <kbd>p</kbd> presenter, <kbd>Esc</kbd> leave presenter.
    </p>
  );
});
