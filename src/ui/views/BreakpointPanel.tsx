// Decisions the person makes while the engine waits: after server authentication (continue or
// abort, after looking at the chain) and when the server asks for a client certificate.
import { memo } from 'react';
import { useTrace } from '../store.ts';
import { engine } from '../worker-client.ts';
import { breakpointTitle } from '../rows.ts';
import { clientCertChoices } from '../breakpoint-words.ts';

export const BreakpointPanel = memo(function BreakpointPanel() {
  const pause = useTrace((s) => s.pause);
  const source = useTrace((s) => s.source);
  if (!pause || source !== 'live') return null;
  const setPanel = useTrace.getState().setPanel;
  return (
    <div className="breakpoint" role="region" aria-label="Breakpoint" data-testid="breakpoint">
      <strong>Paused: {breakpointTitle(pause.breakpoint)}.</strong> {pause.breakpoint === 'clientCertRequest' ? null : pause.detail}
      {pause.breakpoint === 'serverAuth' && (
        <>
          <span> The server's chain has been checked; look at it, then decide. (Secure Transport: SSLHandshake returned errSSLServerAuthCompleted.)</span>
          <button type="button" onClick={() => setPanel('certificates')}>Show the chain</button>
          <button type="button" className="primary" onClick={() => engine.continueRun('breakpoint')}>Continue the handshake</button>
          <button type="button" className="danger" onClick={() => engine.abort()}>Abort</button>
        </>
      )}
      {pause.breakpoint === 'clientCertRequest' && (
        <>
          <span data-testid="client-cert-choices"> {clientCertChoices(pause.detail || pauseEventDetail(), engine.labClientCert)} (Secure Transport: errSSLClientCertRequested.)</span>
          <button type="button" className="primary" onClick={() => engine.clientCert('lab')}>Send the lab's client certificate</button>
          <button type="button" onClick={() => engine.clientCert('decline')}>Decline (send none)</button>
        </>
      )}
      {pause.breakpoint === 'afterEachMessage' && (
        <>
          <button type="button" className="primary" onClick={() => engine.continueRun('step')}>Next message</button>
          <button type="button" onClick={() => engine.continueRun('end')}>Run to the end</button>
          <button type="button" className="danger" onClick={() => engine.abort()}>Abort</button>
        </>
      )}
    </div>
  );
});

/** The engine's note on the pause it stopped at (the trace's last pause event): says whether it is post-handshake. */
function pauseEventDetail(): string | undefined {
  const { events } = useTrace.getState();
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.kind === 'pause') return e.detail;
  }
  return undefined;
}
