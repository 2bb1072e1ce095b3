// A "Both sides" run as it goes: each side's outcome, a side paused at a breakpoint with the person's choices, and
// the run's traces saved or opened in the live views.
import { useEffect, useRef } from 'react';
import type { EarlyDataOutcome, SideOutcome } from '../../worker/both-sides-messages.ts';
import type { BreakpointName } from '../../trace/types.ts';
import { breakpointTitle } from '../rows.ts';
import { download } from '../files.ts';
import { useTrace } from '../store.ts';
import { bothSidesFile } from './model.ts';
import { useBothSides } from './both-store.ts';

function outcomeText(o: SideOutcome): string {
  return o.ok ? `handshake complete (${[o.version, o.cipherSuite, o.group, o.resumed ? 'resumed' : ''].filter(Boolean).join(', ')})${o.earlyData ? `; ${earlyDataText(o.earlyData)}` : ''}` : `failed: ${o.message} (${o.code})`;
}

/** 0-RTT as one side saw it: taken, refused (and resent, for the client) or not sent, with the engine's reason. */
function earlyDataText(e: EarlyDataOutcome): string {
  const why = e.reason ? `: ${e.reason}` : '';
  const resent = e.resent ? `, ${e.resent} bytes sent again after the handshake` : '';
  if (e.accepted) return `0-RTT accepted (${e.bytes} bytes of early data)${resent}`;
  if (e.offered) return `0-RTT refused${why}${resent}`;
  return `early data not sent as 0-RTT${why}${resent}`;
}

/** Bring `el` to the top of the view when it is below it (the form above it is longer than a screen). */
function showIfBelow(el: HTMLElement | null) {
  if (el && el.getBoundingClientRect().top > window.innerHeight * 0.75) el.scrollIntoView({ block: 'start' });
}

export function Outcome() {
  const status = useBothSides((s) => s.status);
  const detail = useBothSides((s) => s.detail);
  const outcome = useBothSides((s) => s.outcome);
  const pausedSides = useBothSides((s) => Object.values(s.paused).filter(Boolean).length);
  const here = useRef<HTMLDivElement>(null);
  // A run pressed at the foot of the long form ends (or pauses) below the screen: shown where it is read, with the
  // ladder under it, rather than left for the person to find.
  useEffect(() => {
    if (status === 'done' || status === 'failed' || pausedSides > 0) showIfBelow(here.current);
  }, [status, pausedSides]);
  return (
    <div ref={here} className="both-outcome" data-testid="both-status" data-status={status} aria-live="polite">
      {status === 'running' && <progress aria-label="Handshake in progress" />}
      {outcome && (
        <ul>
          <li data-testid="both-outcome-client">Client: {outcomeText(outcome.client)}</li>
          <li data-testid="both-outcome-server">Server: {outcomeText(outcome.server)}</li>
        </ul>
      )}
      {detail && <p className={status === 'failed' ? 'error' : 'muted'}>{status === 'done' ? `Ended: ${detail}` : detail}</p>}
    </div>
  );
}

/** The server's breakpoints in words; the client's as the live views say them. */
function pauseTitle(name: BreakpointName): string {
  if (name === 'clientHello') return 'ClientHello read (the server may pick its certificate)';
  if (name === 'clientCertificate') return 'the client’s certificate checked (accept or refuse it)';
  return breakpointTitle(name);
}

/** A side stopped at a breakpoint: what it is, and the person's choices (as the live client's breakpoint panel). */
export function Pauses() {
  const paused = useBothSides((s) => s.paused);
  const decide = useBothSides((s) => s.decide);
  const sides = (['client', 'server'] as const).filter((side) => paused[side]);
  if (sides.length === 0) return null;
  return (
    <>
      {sides.map((side) => {
        const p = paused[side]!;
        return (
          <div key={side} className="breakpoint" role="region" aria-label={`The ${side} is paused`} data-testid={`both-pause-${side}`} data-breakpoint={p.breakpoint}>
            <strong>
              The {side} is paused: {pauseTitle(p.breakpoint)}.
            </strong>{' '}
            {p.detail}{' '}
            {p.breakpoint === 'clientCertRequest' ? (
              <>
                <button type="button" className="primary" onClick={() => decide(side, 'send-certificate')}>Send the client’s certificate</button>
                <button type="button" onClick={() => decide(side, 'decline')}>Decline (send none)</button>
              </>
            ) : (
              <>
                <button type="button" className="primary" onClick={() => decide(side, 'continue')} data-testid={`both-continue-${side}`}>
                  {p.breakpoint === 'afterEachMessage' ? 'Next message' : 'Continue'}
                </button>
                {p.breakpoint === 'afterEachMessage' && <button type="button" onClick={() => decide(side, 'run-to-end')}>Run to the end</button>}
                <button type="button" className="danger" onClick={() => decide(side, 'abort')} data-testid={`both-refuse-${side}`}>
                  {p.breakpoint === 'clientCertificate' ? 'Refuse the certificate' : 'Refuse (end the handshake)'}
                </button>
              </>
            )}
          </div>
        );
      })}
    </>
  );
}

export function Actions() {
  const status = useBothSides((s) => s.status);
  const traces = useBothSides((s) => s.traces);
  const has = traces.client.length + traces.server.length > 0 && status !== 'running';
  const stamp = () => new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const openIn = (side: 'client' | 'server') => {
    useTrace.getState().loadReplay({ format: 'tls-lens-trace', version: 1, createdAt: new Date().toISOString(), target: `both sides: the ${side}`, events: traces[side] }, `the ${side}'s side (both sides in this page)`);
    useBothSides.getState().setOpen(false);
  };
  return (
    <div className="both-actions">
      <button type="button" disabled={!has} onClick={() => download(`tls-lens-both-sides-${stamp()}.json`, JSON.stringify(bothSidesFile(traces)), 'application/json')} data-testid="both-save">
        Save both traces
      </button>
      <button type="button" disabled={!has} onClick={() => openIn('client')} data-testid="both-open-client">
        Open the client’s trace in the views
      </button>
      <button type="button" disabled={!has} onClick={() => openIn('server')} data-testid="both-open-server">
        Open the server’s trace in the views
      </button>
    </div>
  );
}
