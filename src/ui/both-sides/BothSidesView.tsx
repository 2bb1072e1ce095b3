// "Both sides": our client and our server in the page (one worker, joined in memory; no bridge, no network), the
// server set up as a teacher would, then one ladder with each message's writer and reader, and the two key
// schedules side by side with each pair of secrets compared.
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { BothSidesAttack, BothSidesBreakpoints, BothSidesClientOptions, BothSidesRequest, ServerCertificateChoice, Side, SideOutcome } from '../../worker/both-sides-messages.ts';
import { breakpointTitle } from '../rows.ts';
import type { BreakpointName, TraceEvent } from '../../trace/types.ts';
import { download } from '../files.ts';
import { useTrace } from '../store.ts';
import { bothSidesFile, ladderPositions, mergeByStamp, pairMessages, pairSecrets, type LadderPair } from './model.ts';
import { useBothSides } from './both-store.ts';
import { serverApiCalls, serverCallsAt, type ServerCall } from './server-api.ts';
import { apiCallsFor } from '../api-calls.ts';
import { GroupShareChecks, VersionChecks } from '../views/handshake-options.tsx';
import { DataTable } from '../components/DataTable.tsx';
import './both-sides.css';

const VERSIONS = ['TLS1.3', 'TLS1.2'] as const;
const SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'];
/** The server's choices; our client offers all of them, with key shares for the first two (as Chromium does). */
const GROUPS = ['X25519MLKEM768', 'x25519', 'secp256r1', 'secp384r1'];
const CERTIFICATES: { id: ServerCertificateChoice; label: string }[] = [
  { id: 'good', label: 'Good (issued by the page’s throwaway root, for the right name)' },
  { id: 'expired', label: 'Expired' },
  { id: 'wrong-host', label: 'For another host name' },
  { id: 'uploaded', label: 'Your own: a PEM chain and its key (never leaves this page)' },
];
const ATTACKS: { id: BothSidesAttack; label: string }[] = [
  { id: 'none', label: 'None' },
  { id: 'tampered-record', label: 'Tampered record: one byte of the server’s first encrypted record flipped (expect bad_record_mac)' },
  { id: 'downgrade', label: 'Downgrade: the wire hides the client’s supported_versions, the server answers TLS 1.2 with the downgrade sentinel (expect illegal_parameter)' },
  { id: 'tampered-finished', label: 'Tampered Finished: the server’s Finished changed and its record sealed again, so only the Finished check fails (expect decrypt_error)' },
  { id: 'hrr-loop', label: 'HelloRetryRequest loop: the server’s ServerHello replaced by its HelloRetryRequest again (expect unexpected_message)' },
  { id: 'starttls-injection', label: 'STARTTLS injection: an SMTP preamble, and a reply injected after the server’s go-ahead (expect the client to refuse it)' },
  { id: 'wrong-certificate', label: 'Wrong certificate: the server presents one for another host (expect HOSTNAME_MISMATCH, bad_certificate)' },
];
const CLIENT_BREAKS: { id: keyof BothSidesBreakpoints['client']; label: string }[] = [
  { id: 'afterEachMessage', label: 'after each message' },
  { id: 'serverAuth', label: 'once the server is authenticated' },
  { id: 'clientCertRequest', label: 'when asked for a certificate' },
];
const SERVER_BREAKS: { id: keyof BothSidesBreakpoints['server']; label: string }[] = [
  { id: 'clientHello', label: 'after the ClientHello' },
  { id: 'clientCertificate', label: 'on the client’s certificate' },
  { id: 'afterEachMessage', label: 'after each message' },
];
const NO_BREAKPOINTS: BothSidesBreakpoints = { client: { afterEachMessage: false, serverAuth: false, clientCertRequest: false }, server: { clientHello: false, clientCertificate: false, afterEachMessage: false } };

/** A file the person picked, as text (PEM). */
function PemFile({ label, testId, onText }: { label: string; testId: string; onText: (name: string, text: string) => void }) {
  return (
    <label>
      {label}{' '}
      <input type="file" accept=".pem,.crt,.cer,.key,text/plain" data-testid={testId} onChange={(e) => {
        const file = e.target.files?.[0];
        if (file) void file.text().then((text) => onText(file.name, text));
      }} />
    </label>
  );
}

/** What our client offers unless the person changes it: both versions, the engine's suites, every group with key
 * shares for the first two (as Chromium does), the certificate's own name, no ALPN. */
const CLIENT_DEFAULTS: BothSidesClientOptions = { versions: ['TLS1.3', 'TLS1.2'], suites: [], groups: GROUPS, keyShareGroups: ['X25519MLKEM768', 'x25519'], serverName: '', alpn: [] };
const words = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** Our client's own options, as the live Connect form offers them (its version and group fieldsets are shared). */
function ClientOptions({ client, onChange }: { client: BothSidesClientOptions; onChange: (c: BothSidesClientOptions) => void }) {
  const set = (change: Partial<BothSidesClientOptions>) => onChange({ ...client, ...change });
  const [alpnText, setAlpnText] = useState(client.alpn.join(', '));
  const toggle = (list: string[], item: string, on: boolean) => (on ? [...list, item] : list.filter((x) => x !== item));
  return (
    <fieldset className="both-client" data-testid="both-client-options">
      <legend>Our client’s options</legend>
      <VersionChecks legend="Versions the client offers" versions={client.versions} onChange={(versions) => set({ versions })} testId="both-client-version" />
      <fieldset>
        <legend>Cipher suites the client offers (none ticked: the engine’s defaults)</legend>
        {SUITES.map((s) => (
          <label key={s} className="both-suite">
            <input type="checkbox" checked={client.suites.includes(s)} onChange={(e) => set({ suites: toggle(client.suites, s, e.target.checked) })} data-testid={`both-client-suite-${s}`} /> {s}
          </label>
        ))}
      </fieldset>
      <GroupShareChecks groups={client.groups} shares={client.keyShareGroups} onGroups={(groups) => set({ groups })} onShares={(keyShareGroups) => set({ keyShareGroups })} testId="both-client" />
      <label>
        Server name (SNI, and the name the certificate must match){' '}
        <input value={client.serverName} onChange={(e) => set({ serverName: e.target.value.trim() })} placeholder="the certificate’s own name" data-testid="both-client-sni" />
      </label>
      <label>
        <input type="checkbox" checked={!!client.resume} onChange={(e) => set({ resume: e.target.checked })} data-testid="both-client-resume" /> Resume: offer the session (ticket) the server gave in an earlier run
      </label>
      <label>
        ALPN the client offers (comma-separated) <input value={alpnText} onChange={(e) => (setAlpnText(e.target.value), set({ alpn: words(e.target.value) }))} placeholder="h2, http/1.1" data-testid="both-client-alpn" />
      </label>
    </fieldset>
  );
}

function ServerOptionsForm() {
  const running = useBothSides((s) => s.status === 'running');
  const [versions, setVersions] = useState<BothSidesRequest['versions']>(['TLS1.3', 'TLS1.2']);
  const [suites, setSuites] = useState<string[]>([]);
  const [groups, setGroups] = useState<string[]>(GROUPS);
  const [helloRetry, setHelloRetry] = useState(false);
  const [certificate, setCertificate] = useState<ServerCertificateChoice>('good');
  const [clientAuth, setClientAuth] = useState<BothSidesRequest['clientAuth']>('none');
  const [clientHasCertificate, setClientHasCertificate] = useState(true);
  const [refuseClientCertificate, setRefuse] = useState(false);
  const [tickets, setTickets] = useState(2);
  const [renegotiate, setRenegotiate] = useState(false);
  const [keyUpdate, setKeyUpdate] = useState(false);
  const [attack, setAttack] = useState<BothSidesAttack>('none');
  const [chainFile, setChainFile] = useState<{ name: string; text: string } | null>(null);
  const [keyFile, setKeyFile] = useState<{ name: string; text: string } | null>(null);
  const [breakpoints, setBreakpoints] = useState<BothSidesBreakpoints>(NO_BREAKPOINTS);
  const [serverAlpn, setServerAlpn] = useState('');
  const [client, setClient] = useState<BothSidesClientOptions>(CLIENT_DEFAULTS);
  const setBreak = (side: Side, id: string, on: boolean) => setBreakpoints({ ...breakpoints, [side]: { ...breakpoints[side], [id]: on } });
  const toggle = <T,>(list: T[], item: T, on: boolean) => (on ? [...list, item] : list.filter((x) => x !== item));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const uploaded = certificate === 'uploaded' && chainFile ? { chainPem: chainFile.text, keyPem: keyFile?.text ?? '' } : undefined;
    useBothSides.getState().run({ client: { ...client, keyShareGroups: client.keyShareGroups.filter((g) => client.groups.includes(g)) }, serverAlpn: words(serverAlpn), versions, suites, groups, helloRetry, certificate, uploaded, clientAuth, clientHasCertificate, refuseClientCertificate, tickets, renegotiate, keyUpdate, attack, breakpoints });
  };
  const problem =
    versions.length === 0 ? 'Choose at least one version the server accepts.' : client.versions.length === 0 ? 'Choose at least one version the client offers.' : client.groups.length === 0 ? 'Choose at least one group the client offers.' : groups.length === 0 && !helloRetry ? 'Choose at least one group.' : certificate === 'uploaded' && !chainFile ? 'Choose your certificate file (PEM), and its key if it is in another file.' : null;

  return (
    <form className="both-form" onSubmit={submit} aria-label="Both sides: the server's and the client's options">
      <fieldset>
        <legend>Versions the server accepts</legend>
        {VERSIONS.map((v) => (
          <label key={v}>
            <input type="checkbox" checked={versions.includes(v)} onChange={(e) => setVersions(toggle(versions, v, e.target.checked))} data-testid={`both-version-${v}`} /> {v.replace('TLS', 'TLS ')}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Cipher suites (none ticked: the server’s defaults)</legend>
        {SUITES.map((s) => (
          <label key={s} className="both-suite">
            <input type="checkbox" checked={suites.includes(s)} onChange={(e) => setSuites(toggle(suites, s, e.target.checked))} /> {s}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Groups, in the server’s order</legend>
        {GROUPS.map((g) => (
          <label key={g}>
            <input type="checkbox" checked={groups.includes(g)} disabled={helloRetry} onChange={(e) => setGroups(toggle(groups, g, e.target.checked))} data-testid={`both-group-${g}`} /> {g}
          </label>
        ))}
        <label>
          <input type="checkbox" checked={helloRetry} onChange={(e) => setHelloRetry(e.target.checked)} data-testid="both-hrr" /> HelloRetryRequest on purpose (the server accepts only secp384r1; our client’s key shares, X25519MLKEM768 and x25519 unless changed below, are for other groups)
        </label>
      </fieldset>
      <fieldset>
        <legend>ALPN</legend>
        <label>
          The server accepts (comma-separated, its order; empty: it ignores ALPN) <input value={serverAlpn} onChange={(e) => setServerAlpn(e.target.value)} placeholder="h2, http/1.1" data-testid="both-server-alpn" />
        </label>
      </fieldset>
      <fieldset>
        <legend>Server certificate</legend>
        {CERTIFICATES.map((c) => (
          <label key={c.id}>
            <input type="radio" name="both-cert" checked={certificate === c.id} onChange={() => setCertificate(c.id)} data-testid={`both-cert-${c.id}`} /> {c.label}
          </label>
        ))}
        {certificate === 'uploaded' && (
          <div className="both-upload">
            <PemFile label="Certificate chain (PEM)" testId="both-upload-chain" onText={(name, text) => setChainFile({ name, text })} />
            <PemFile label="Private key (PEM; leave out if it is in the chain’s file)" testId="both-upload-key" onText={(name, text) => setKeyFile({ name, text })} />
            <p className="muted">
              {chainFile ? `Chain: ${chainFile.name}. ` : ''}
              {keyFile ? `Key: ${keyFile.name}. ` : ''}
              Our client trusts the last certificate of the chain for this run and asks for the leaf’s first DNS name.
            </p>
          </div>
        )}
      </fieldset>
      <ClientOptions client={client} onChange={setClient} />
      <fieldset>
        <legend>Client certificate</legend>
        <label>
          The server{' '}
          <select value={clientAuth} onChange={(e) => setClientAuth(e.target.value as BothSidesRequest['clientAuth'])} data-testid="both-client-auth">
            <option value="none">does not ask for one</option>
            <option value="request">requests one</option>
            <option value="require">requires one</option>
          </select>
        </label>
        <label>
          <input type="checkbox" checked={clientHasCertificate} onChange={(e) => setClientHasCertificate(e.target.checked)} data-testid="both-client-has-cert" /> Our client has a certificate to send
        </label>
        <label>
          <input type="checkbox" checked={refuseClientCertificate} onChange={(e) => setRefuse(e.target.checked)} data-testid="both-refuse-client-cert" /> The server refuses the client’s certificate
        </label>
      </fieldset>
      <fieldset>
        <legend>After the handshake</legend>
        <label>
          TLS 1.3 tickets <input type="number" min={0} max={8} value={tickets} onChange={(e) => setTickets(Math.max(0, Math.min(8, Number(e.target.value) || 0)))} className="both-num" />
        </label>
        <label>
          <input type="checkbox" checked={keyUpdate} onChange={(e) => setKeyUpdate(e.target.checked)} data-testid="both-key-update" /> The server sends KeyUpdate (TLS 1.3)
        </label>
        <label>
          <input type="checkbox" checked={renegotiate} onChange={(e) => setRenegotiate(e.target.checked)} data-testid="both-renegotiate" /> The server starts a renegotiation (TLS 1.2)
        </label>
      </fieldset>
      <fieldset>
        <legend>Staged attack on the wire</legend>
        {ATTACKS.map((a) => (
          <label key={a.id}>
            <input type="radio" name="both-attack" checked={attack === a.id} onChange={() => setAttack(a.id)} data-testid={`both-attack-${a.id}`} /> {a.label}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Breakpoints: where each side stops and waits for you</legend>
        <div>
          Client:{' '}
          {CLIENT_BREAKS.map((b) => (
            <label key={b.id}>
              <input type="checkbox" checked={breakpoints.client[b.id]} onChange={(e) => setBreak('client', b.id, e.target.checked)} data-testid={`both-break-client-${b.id}`} /> {b.label}
            </label>
          ))}
        </div>
        <div>
          Server:{' '}
          {SERVER_BREAKS.map((b) => (
            <label key={b.id}>
              <input type="checkbox" checked={breakpoints.server[b.id]} onChange={(e) => setBreak('server', b.id, e.target.checked)} data-testid={`both-break-server-${b.id}`} /> {b.label}
            </label>
          ))}
        </div>
      </fieldset>
      {problem && <p className="error" role="alert">{problem}</p>}
      <button type="submit" className="primary" disabled={running || !!problem} data-testid="both-run">
        Run both sides
      </button>
    </form>
  );
}

function outcomeText(o: SideOutcome): string {
  return o.ok ? `handshake complete (${[o.version, o.cipherSuite, o.group, o.resumed ? 'resumed' : ''].filter(Boolean).join(', ')})` : `failed: ${o.message} (${o.code})`;
}

function Outcome() {
  const status = useBothSides((s) => s.status);
  const detail = useBothSides((s) => s.detail);
  const outcome = useBothSides((s) => s.outcome);
  return (
    <div className="both-outcome" data-testid="both-status" data-status={status} aria-live="polite">
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
function Pauses() {
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

function short(hex: string | null): string {
  if (hex === null) return '—';
  return hex.length > 24 ? `${hex.slice(0, 12)}…${hex.slice(-8)}` : hex;
}

/** The ladder's rows, and where each side is at each row (for the calls at that step). */
function useLadder(): { pairs: LadderPair[]; positions: Record<Side, number>[] } {
  const traces = useBothSides((s) => s.traces);
  const stamps = useBothSides((s) => s.stamps);
  const revision = useBothSides((s) => s.revision);
  return useMemo(() => {
    const order = mergeByStamp(stamps);
    const pairs = pairMessages(traces, order);
    return { pairs, positions: ladderPositions(pairs, traces, order) };
  }, [traces, stamps, revision]);
}

function Ladder({ step, onStep }: { step: number | null; onStep: (i: number) => void }) {
  const { pairs } = useLadder();
  const running = useBothSides((s) => s.status === 'running');
  if (pairs.length === 0) return null;
  const current = step ?? (running ? pairs.length - 1 : 0);
  return (
    <section aria-labelledby="both-ladder-title" className="both-section">
      <h2 id="both-ladder-title">Messages: each once, as written and as read</h2>
      <DataTable className="both-ladder" testId="both-ladder" columns={['Step (both programs’ calls)', 'Client', 'Message', 'Server', 'Same bytes on both sides']}>
        {pairs.map((p, i) => {
          const writer = p.writer ? `wrote it (event ${p.writer.index})` : 'never wrote it: the wire made it';
          const reader = p.reader ? `read it (event ${p.reader.index})` : 'never read it';
          return (
            <tr key={i} className={`both-row from-${p.from} ${p.kind}${p.writer ? '' : ' by-wire'}${current === i ? ' current' : ''}`} data-testid="both-row" data-from={p.from} data-name={p.name} data-read={p.reader ? 'yes' : 'no'} data-written={p.writer ? 'yes' : 'no'}>
              <th scope="row">
                <button type="button" aria-pressed={current === i} onClick={() => onStep(i)} data-testid="both-step" title="Show both programs’ API calls at this message">
                  Step {i + 1}
                </button>
              </th>
              <td>{p.from === 'client' ? writer : reader}</td>
              <td className="both-msg">
                {p.from === 'client' ? `${p.name} →` : `← ${p.name}`}
                {p.writer && 'epoch' in p.writer && <span className="muted"> ({p.writer.epoch})</span>}
              </td>
              <td>{p.from === 'server' ? writer : reader}</td>
              <td className={p.same === false ? 'bad' : p.same ? 'ok' : 'muted'}>{p.same === null ? '—' : p.same ? 'yes' : 'no'}</td>
            </tr>
          );
        })}
      </DataTable>
    </section>
  );
}

function Secrets() {
  const traces = useBothSides((s) => s.traces);
  const revision = useBothSides((s) => s.revision);
  const pairs = useMemo(() => pairSecrets(traces), [traces, revision]);
  if (pairs.length === 0) return null;
  const equal = pairs.filter((p) => p.verdict === 'equal').length;
  const different = pairs.filter((p) => p.verdict === 'different');
  return (
    <section aria-labelledby="both-keys-title" className="both-section">
      <h2 id="both-keys-title">Key schedules side by side</h2>
      <p data-testid="both-keys-summary">
        {equal} of {pairs.length} values equal on both sides
        {different.length > 0 ? `; they diverge first at ${different[0].name}` : ''}.
      </p>
      <DataTable className="both-keys" testId="both-keys" columns={['Value', 'Client', 'Server', 'Verdict']}>
        {pairs.map((p) => (
          <tr key={`${p.name}#${p.occurrence}`} data-testid="both-key" data-name={p.name} data-verdict={p.verdict}>
            <th scope="row">
              {p.name}
              {p.occurrence > 0 ? ` (#${p.occurrence + 1})` : ''}
            </th>
            <td className="mono" title={p.client ?? undefined}>{short(p.client)}</td>
            <td className="mono" title={p.server ?? undefined}>{short(p.server)}</td>
            <td className={p.verdict === 'equal' ? 'ok' : 'bad'}>{p.verdict}</td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}

function Actions() {
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
function StepApi({ step, onStep }: { step: number | null; onStep: (i: number) => void }) {
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
function ServerApi() {
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

export function BothSidesView() {
  // The person reads the form before running: the two workers load their engines meanwhile.
  useEffect(() => useBothSides.getState().prepare(), []);
  // The ladder row whose calls are shown; a new run starts at its first.
  const [step, setStep] = useState<number | null>(null);
  const request = useBothSides((s) => s.request);
  useEffect(() => setStep(null), [request]);
  return (
    <div className="both-sides" data-testid="both-sides">
      <h2>Both sides in this page</h2>
      <p className="muted">
        Our client and our server run here, joined in memory: no bridge, no network. The server’s certificate comes from a throwaway root made in this page, which the client trusts.
      </p>
      <ServerOptionsForm />
      <Outcome />
      <Pauses />
      <Actions />
      <Ladder step={step} onStep={setStep} />
      <StepApi step={step} onStep={setStep} />
      <Secrets />
      <ServerApi />
    </div>
  );
}

export default BothSidesView;
