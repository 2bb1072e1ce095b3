// The API view: what a program's TLS calls would be at this step, side by side for three APIs.
import { apiStepForTrace, type ApiCall } from '../api-calls.ts';
import { useTrace } from '../store.ts';

export function ApiView() {
  useTrace((s) => s.revision);
  useTrace((s) => s.cursor);
  const state = useTrace.getState();
  // The call belongs to the step's own event, not to whatever was recorded after it.
  // A note explains the step before it, so it shows that step's call.
  let at = state.cursor;
  while (at > 0 && state.rows[at]?.kind === 'note') at--;
  const row = state.rows[at];
  const upTo = row ? row.event : state.events.length - 1;
  if (upTo < 0) return <p className="empty">Nothing to show yet.</p>;
  const step = apiStepForTrace(state.events, upTo);
  // A trace our server recorded shows a server program's calls (SSL_accept, SSLHandshake on the server side).
  const whose = step.side === 'server' ? ' (server)' : '';
  return (
    <section className="api" aria-label="API calls for this step" data-testid="api-view" data-side={step.side}>
      <ApiColumn title={`OpenSSL${whose}`} calls={step.openssl} />
      <ApiColumn title={`Apple Secure Transport${whose}`} calls={step.secureTransport} />
      <ApiColumn title="Windows CE secure sockets" calls={step.windowsCE} />
    </section>
  );
}

function ApiColumn({ title, calls }: { title: string; calls: ApiCall[] }) {
  return (
    <div className="api-col">
      <h2>{title}</h2>
      {calls.map((c, i) => (
        <div key={i} className="api-call">
          <code>{c.call}</code>
          {c.result && (
            <div>
              → <code className="api-result">{c.result}</code>
            </div>
          )}
          <p>{c.note}</p>
        </div>
      ))}
    </div>
  );
}
