// "From a server": the engine's own handshake through the bridge (a lab scenario, or a host:port the bridge
// allows), paused once the server's chain has been checked and then abandoned; its chain opens in the
// workbench. The handshake so far stays in the trace, like any connection.
import { useEffect, useRef, useState } from 'react';
import type { ConnectRequest } from '../../worker/messages.ts';
import { isStartTlsProtocol } from '../../starttls/index.ts';
import { bridgeUrl, fetchLab, fetchLabCa, type LabScenario } from '../lab.ts';
import { engine } from '../worker-client.ts';
import { useTrace } from '../store.ts';
import { sessionAnchors } from '../session.ts';
import { fromHex } from '../../util/bytes.ts';

export interface FetchedChain {
  chain: Uint8Array[];
  serverName?: string;
  /** The lab CA, PEM, when the chain came from a lab scenario. */
  labCa?: string;
  from: string;
}

export function FromServer({ onChain, onProblem }: { onChain: (c: FetchedChain) => void; onProblem: (message: string) => void }) {
  const [lab, setLab] = useState<LabScenario[]>([]);
  const [choice, setChoice] = useState('');
  const [target, setTarget] = useState('');
  const [busy, setBusy] = useState(false);
  const stop = useRef<(() => void) | null>(null);

  useEffect(() => {
    fetchLab()
      .then(setLab)
      .catch(() => setLab([]));
    return () => stop.current?.();
  }, []);

  const fetchChain = async () => {
    const scenario = lab.find((s) => s.id === choice);
    if (!scenario && !target.trim()) return;
    const ca = scenario ? await fetchLabCa() : null;
    const request: ConnectRequest = {
      scenario: scenario?.id,
      target: scenario ? undefined : target.trim(),
      serverName: scenario?.host,
      starttls: scenario && isStartTlsProtocol(scenario.protocol) ? scenario.protocol : undefined,
      clientCert: 'none',
      breakpoints: { afterEachMessage: false, serverAuth: true, clientCertRequest: false },
      anchorsPem: [...(ca ? [ca] : []), ...sessionAnchors()],
      bridgeUrl: bridgeUrl(),
    };
    setBusy(true);
    stop.current?.();
    const finish = () => {
      stop.current?.();
      stop.current = null;
      setBusy(false);
    };
    // A fresh trace and worker first (connect is synchronous), then watch what this connection writes:
    // the first certificate result carries the chain as sent.
    engine.connect(request);
    stop.current = useTrace.subscribe((s) => {
      const result = s.events.find((e) => e.kind === 'cert-result');
      if (result && result.kind === 'cert-result') {
        finish();
        engine.stopOnPurpose('stopped once the server\'s certificates were checked: the workbench opened them');
        if (result.chain.length === 0) onProblem(`${scenario?.title ?? request.target} sent no certificate`);
        else onChain({ chain: result.chain.map(fromHex), serverName: scenario?.host ?? request.target?.replace(/:\d+$/, ''), labCa: ca ?? undefined, from: scenario ? `lab scenario ${scenario.id}` : request.target! });
      } else if (s.status === 'failed' || s.status === 'closed') {
        finish();
        onProblem(`No certificate from ${scenario?.title ?? request.target}: ${s.error ?? s.statusDetail ?? 'the connection ended before the server sent its certificate'}`);
      }
    });
  };

  return (
    <fieldset className="from-server" data-testid="from-server">
      <legend>From a server</legend>
      <label>
        Lab scenario
        <select value={choice} onChange={(e) => setChoice(e.target.value)} data-testid="fs-scenario">
          <option value="">— a server instead (below) —</option>
          {lab.map((s) => (
            <option key={s.id} value={s.id}>
              {s.title}
            </option>
          ))}
        </select>
      </label>
      {!choice && (
        <label>
          Server (host:port the bridge allows)
          <input type="text" value={target} onChange={(e) => setTarget(e.target.value)} placeholder="example.org:443" data-testid="fs-target" />
        </label>
      )}
      <button type="button" onClick={() => void fetchChain()} disabled={busy || (!choice && !target.trim())} data-testid="fs-fetch">
        {busy ? 'Fetching…' : 'Fetch its certificates'}
      </button>
    </fieldset>
  );
}
