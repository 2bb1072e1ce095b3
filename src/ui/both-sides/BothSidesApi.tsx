// The "Both sides" API calls: both programs' calls at the ladder row in view, and the server program's for the run.
import type { TraceEvent } from '../../trace/types.ts';
import { apiCallsFor } from '../api-calls.ts';
import { serverApiCalls, serverCallsAt, type ServerCall } from './server-api.ts';
import { useBothSides } from './both-store.ts';
import { useLadder } from './BothSidesLadder.tsx';

function CallList({ title, calls, level = 3 }: { title: string; calls: ServerCall[]; level?: 3 | 4 }) {
  const Heading = level === 3 ? 'h3' : 'h4';
  return (
    <div className="both-api-col">
      <Heading>{title}</Heading>
      <ol>
        {calls.map((c, i) => (
          <li key={i}>
            <code>{c.call}</code>
            {c.result && (
              <>
                {' '}→ <code>{c.result}</code>
              </>
            )}
            <div className="muted">{c.note}</div>
          </li>
        ))}
      </ol>
    </div>
  );
}

/** Both programs' calls at the ladder row in view: the client's (OpenSSL, Secure Transport, Windows CE) beside the
 * server's (OpenSSL, Secure Transport), each from its own side's trace at that point. */
export function StepApi({ step, onStep }: { step: number | null; onStep: (i: number) => void }) {
  const { pairs, positions } = useLadder();
  const running = useBothSides((s) => s.status === 'running');
  const traces = useBothSides((s) => s.traces);
  const request = useBothSides((s) => s.request);
  if (pairs.length === 0 || !request) return null;
  const live = step === null && running;
  const at = live ? pairs.length - 1 : Math.min(step ?? 0, pairs.length - 1);
  // Following a run as it goes (e.g. paused at a breakpoint): each side at its latest event, notes aside.
  const latest = (events: TraceEvent[]) => events.findLastIndex((e) => e.kind !== 'note');
  const { client, server } = live ? { client: latest(traces.client), server: latest(traces.server) } : positions[at];
  const clientCalls = client >= 0 ? apiCallsFor(traces.client, client) : null;
  const serverCalls = server >= 0 ? serverCallsAt(request, traces.server, server) : null;
  const pair = pairs[at];
  return (
    <section aria-labelledby="both-step-title" className="both-section" data-testid="both-step-api" data-step={at} data-live={live ? 'yes' : 'no'}>
      <h2 id="both-step-title">API calls at this step: both programs</h2>
      {live && <p className="muted">Following the run: each program at its latest step. Pick a step in the ladder to stay on it.</p>}
      <div className="both-stepper">
        <button type="button" disabled={at === 0} onClick={() => onStep(at - 1)} data-testid="both-step-prev">
          Previous message
        </button>
        <span data-testid="both-step-name">
          Step {at + 1} of {pairs.length}: {pair.from === 'client' ? `${pair.name} →` : `← ${pair.name}`}
        </span>
        <button type="button" disabled={at === pairs.length - 1} onClick={() => onStep(at + 1)} data-testid="both-step-next">
          Next message
        </button>
      </div>
      <div className="both-api">
        <div className="both-api-side" data-testid="both-step-client">
          <h3>The client</h3>
          {clientCalls ? (
            <>
              <CallList title="OpenSSL" calls={clientCalls.openssl} level={4} />
              <CallList title="Apple Secure Transport" calls={clientCalls.secureTransport} level={4} />
              <CallList title="Windows CE secure sockets" calls={clientCalls.windowsCE} level={4} />
            </>
          ) : (
            <p className="muted">Nothing yet.</p>
          )}
        </div>
        <div className="both-api-side" data-testid="both-step-server">
          <h3>The server</h3>
          {serverCalls ? (
            <>
              <CallList title="OpenSSL" calls={serverCalls.openssl} level={4} />
              <CallList title="Apple Secure Transport (server side)" calls={serverCalls.secureTransport} level={4} />
            </>
          ) : (
            <p className="muted">Nothing yet.</p>
          )}
        </div>
      </div>
    </section>
  );
}

/** The server program's calls for this run, OpenSSL and Secure Transport. */
export function ServerApi() {
  const status = useBothSides((s) => s.status);
  const request = useBothSides((s) => s.request);
  const traces = useBothSides((s) => s.traces);
  if (status !== 'done' || !request) return null;
  const calls = serverApiCalls(request, traces.server);
  return (
    <section aria-labelledby="both-api-title" className="both-section" data-testid="both-api">
      <h2 id="both-api-title">The server’s API calls for this run</h2>
      <div className="both-api">
        <CallList title="OpenSSL" calls={calls.openssl} />
        <CallList title="Apple Secure Transport (server side)" calls={calls.secureTransport} />
      </div>
    </section>
  );
}
