// Connect: a lab scenario (with what it shows) or a host:port the bridge allows, and the
// handshake options. The engine runs in the worker; this only builds the request.
import { memo, useEffect, useRef, useState } from 'react';
import { APP_DATA_WINDOW, type ConnectRequest, type TlsVersionName } from '../../worker/messages.ts';
import { SUITES13, connectRequest, defaultConnectForm, type ConnectForm } from '../connect-form.ts';
import { LAB_PATHS, bridgeUrl, fetchLab, fetchLabCa, fetchLabClientCert, labFilesFrom, type LabFiles, type LabScenario } from '../lab.ts';
import { engine } from '../worker-client.ts';
import { afterConnecting } from '../store.ts';
import { sessionAnchors } from '../session.ts';
import { writeUrlState } from '../url-state.ts';
import type { StartTlsProtocol } from '../../starttls/protocol.ts';
import { GroupShareChecks, VersionChecks, toggled as toggle } from './handshake-options.tsx';

// The STARTTLS protocol list comes with every protocol's dialogue code (and the TLS message decoders it uses):
// loaded after the form is shown, not with the first screen. Its select sits in the closed options.
type StartTls = Pick<typeof import('../../starttls/index.ts'), 'PROTOCOLS' | 'isStartTlsProtocol'>;
let startTlsModule: Promise<StartTls> | null = null;
let startTlsLoaded: StartTls | null = null;
/** Load the STARTTLS list (once); a form mounted after that has it from its first render. */
export const loadStartTls = () => (startTlsModule ??= import('../../starttls/index.ts').then((m) => (startTlsLoaded = m)));

/** The lab's scenarios once loaded: a form opened after that shows them from its first render (each fresh form
 * fetching them again redrew the whole form when they came, often while its Connect's handshake ran). */
let labHere: LabScenario[] | null = null;

/** The session's link waits this long past "connecting" (a person reads the page before copying its address). */
const LINK_AFTER_MS = 250;

let labFiles: Promise<LabFiles> | null = null;
/** The lab files once fetched (a Connect then sends them with its request). */
let labFilesHere: LabFiles | null = null;

/** The lab CA and client certificate, fetched once per page (a Connect need not wait for them again); a fetch
 * that found nothing (no lab yet) is tried again at the next Connect. */
function labFilesOnce(): Promise<LabFiles> {
  if (!labFiles) {
    const loading = Promise.all([fetchLabCa(), fetchLabClientCert()]).then(([ca, labClientCert]) => labFilesFrom(ca, labClientCert));
    labFiles = loading;
    void loading.then((files) => {
      if (labFiles !== loading) return;
      if (files.anchorsPem.length === 0 || !files.labClientCert) labFiles = null;
      else labFilesHere = files;
    });
  }
  return labFiles;
}

/** Where the last Connect of this page went: a later Connect… opens on it (the session-tickets scenario says to
 * connect twice; a form back on the first scenario sent that second Connect elsewhere). */
let lastWhere: Pick<ConnectForm, 'mode' | 'scenario' | 'target'> | null = null;
/** A link's scenario is connected to once per page: a Connect… opened after that is a form to fill in, not a second
 * connection at once. */
let linkConnected = false;

/**
 * `autoConnect`: a link named a lab scenario; connect to it at once (no stepping pauses) to reopen that view.
 * `initial`: the choices to start from (what the person chose in the prerendered form before the app loaded);
 * `pressed`: Connect was pressed there, for a lab scenario: connect once the lab list is here.
 */
export const ConnectView = memo(function ConnectView({ initialScenario, autoConnect, initial, pressed }: { initialScenario?: string; autoConnect?: boolean; initial?: ConnectForm; pressed?: boolean }) {
  const [start] = useState(() => initial ?? { ...defaultConnectForm(initialScenario, autoConnect && !linkConnected), ...lastWhere });
  const [lab, setLab] = useState<LabScenario[] | null>(labHere);
  const [labError, setLabError] = useState<string | null>(null);
  const [mode, setMode] = useState<'scenario' | 'target'>(start.mode);
  const [scenario, setScenario] = useState(() => start.scenario || (labHere?.[0]?.id ?? ''));
  const [target, setTarget] = useState(start.target);
  const [sni, setSni] = useState(start.sni);
  const [versions, setVersions] = useState<TlsVersionName[]>(start.versions);
  const [suites, setSuites] = useState<string[]>(start.suites);
  const [suites12, setSuites12] = useState(start.suites12);
  const [groups, setGroups] = useState<string[]>(start.groups);
  const [shares, setShares] = useState<string[]>(start.shares);
  const [alpn, setAlpn] = useState(start.alpn);
  const [statusRequest, setStatusRequest] = useState(start.statusRequest);
  const [starttls, setStarttls] = useState<StartTlsProtocol | ''>(start.starttls);
  const [startTlsInfo, setStartTlsInfo] = useState<StartTls | null>(() => startTlsLoaded);
  const [clientCert, setClientCert] = useState<ConnectRequest['clientCert']>(start.clientCert);
  const [bpStep, setBpStep] = useState(start.bpStep);
  const autoDone = useRef(false);
  const [bpAuth, setBpAuth] = useState(start.bpAuth);
  const [bpCert, setBpCert] = useState(start.bpCert);
  const [insecure, setInsecure] = useState(start.insecure);
  const [send, setSend] = useState(start.send);
  const [resume, setResume] = useState(start.resume);
  const [earlyData, setEarlyData] = useState(start.earlyData);
  const [keepAppData, setKeepAppData] = useState(start.keepAppData);

  useEffect(() => {
    void labFilesOnce();
    loadStartTls().then(setStartTlsInfo, () => setStartTlsInfo({ PROTOCOLS: [], isStartTlsProtocol: (p: string): p is StartTlsProtocol => false }));
    if (labHere) return;
    fetchLab()
      .then((l) => {
        labHere = l;
        setLab(l);
        if (!scenario && l[0]) setScenario(l[0].id);
      })
      .catch((e: Error) => setLabError(e.message));
  }, []);

  const picked = lab?.find((s) => s.id === scenario);
  useEffect(() => {
    if (!startTlsInfo) return;
    if (picked?.protocol && startTlsInfo.isStartTlsProtocol(picked.protocol)) setStarttls(picked.protocol);
    else if (picked) setStarttls('');
  }, [picked?.id, startTlsInfo]);

  const targetInput = useRef<HTMLInputElement>(null);
  const submit = (e?: React.FormEvent) => {
    e?.preventDefault();
    // A press while this form's Connect is not drawn yet (a tenth of a second at most) is refused here, drawing
    // nothing: the page shows nothing of the first one yet, and a second would only replace it.
    if (engine.pending) return;
    // The form is never submitted by the browser (see the Connect button): its one rule, a target in server mode, is
    // checked here, with the browser's own message.
    if (mode === 'target' && targetInput.current && !targetInput.current.reportValidity()) return;
    // The first Connect of a page may come before the lab's files: it starts without them (the worker waits for
    // them only to check the chain or answer a certificate request).
    const files = labFilesHere;
    const pending = files ? undefined : labFilesOnce();
    const form: ConnectForm = { mode, scenario, target, sni, versions, suites, suites12, groups, shares, alpn, statusRequest, starttls, clientCert, bpStep, bpAuth, bpCert, insecure, send, resume, earlyData, keepAppData };
    lastWhere = { mode, scenario, target };
    const request = connectRequest(form, { scenarioHost: picked?.host, anchorsPem: [...(files?.anchorsPem ?? []), ...sessionAnchors()], bridgeUrl: bridgeUrl(), labClientCert: files?.labClientCert });
    engine.connect(request, pending, { drawWhenNeeded: true });
    // The link to this session is written once the connection is past "connecting", its first frames are drawn and
    // the page is idle: while the bridge opens and the handshake runs the page is idle too, but its work there
    // (history.replaceState, ~1 ms) competes with the bridge, the worker and the server for the machine's cores; in
    // the idle time right after the session's draw it competed with that frame's raster and compositing.
    const link = () => writeUrlState({ scenario: request.scenario, target: request.target, replay: undefined });
    const whenIdle = () => (typeof requestIdleCallback === 'function' ? requestIdleCallback(link, { timeout: 1000 }) : link());
    afterConnecting(() => setTimeout(whenIdle, LINK_AFTER_MS));
  };

  useEffect(() => {
    if (!(autoConnect && !linkConnected && picked?.id === initialScenario) && !pressed) return;
    if (autoDone.current || !picked || !startTlsInfo) return;
    autoDone.current = true;
    if (autoConnect) linkConnected = true;
    submit();
  }, [picked?.id, startTlsInfo]);

  const notice = picked?.whatToNotice ? (Array.isArray(picked.whatToNotice) ? picked.whatToNotice : [picked.whatToNotice]) : [];

  return (
    <form className="connect" onSubmit={submit} aria-label="Connect">
      <h2>Connect</h2>
      <fieldset>
        <legend>Where</legend>
        <label>
          <input type="radio" name="mode" value="scenario" checked={mode === 'scenario'} onChange={() => setMode('scenario')} /> A lab scenario
        </label>
        <label>
          <input type="radio" name="mode" value="target" checked={mode === 'target'} onChange={() => setMode('target')} /> A server (host:port the bridge allows)
        </label>
        {mode === 'scenario' ? (
          <div className="scenarios">
            {labError && <p role="alert" className="error">{labError}</p>}
            {!lab && !labError && <p>Loading the lab…</p>}
            {lab && (
              <label>
                Scenario{' '}
                <select name="scenario" value={scenario} onChange={(e) => setScenario(e.target.value)} data-testid="scenario-select">
                  {lab.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.title}
                    </option>
                  ))}
                </select>
              </label>
            )}
            {picked && (
              <div className="scenario-card" data-testid="scenario-card">
                <p>{picked.description}</p>
                <p className="muted">
                  {picked.host}:{picked.port} {picked.protocol ? `· ${picked.protocol}` : ''} {picked.tlsVersions ? `· ${picked.tlsVersions.join(', ')}` : ''}
                </p>
                {notice.length > 0 && (
                  <>
                    <h3>What to notice</h3>
                    <ul>
                      {notice.map((n, i) => (
                        <li key={i}>{n}</li>
                      ))}
                    </ul>
                  </>
                )}
              </div>
            )}
          </div>
        ) : (
          <label>
            Host and port <input ref={targetInput} name="target" value={target} onChange={(e) => setTarget(e.target.value)} placeholder="example.org:443" data-testid="target-input" required />
          </label>
        )}
      </fieldset>
      <details>
        <summary>Handshake options</summary>
        <VersionChecks legend="TLS versions" name="versions" versions={versions} onChange={setVersions} />
        <fieldset>
          <legend>Cipher suites (TLS 1.3)</legend>
          {SUITES13.map((s) => (
            <label key={s}>
              <input type="checkbox" name="suites" value={s} checked={suites.includes(s)} onChange={(e) => setSuites(toggle(suites, s, e.target.checked))} /> {s}
            </label>
          ))}
        </fieldset>
        <fieldset data-testid="suites12-fieldset">
          <legend>Cipher suites (TLS 1.2)</legend>
          <label>
            TLS 1.2 suites (names, comma-separated; empty: the client's default TLS 1.2 suites){' '}
            <input name="suites12" value={suites12} onChange={(e) => setSuites12(e.target.value)} placeholder="TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" />
          </label>
        </fieldset>
        <GroupShareChecks name="groups" groups={groups} shares={shares} onGroups={setGroups} onShares={setShares} />
        <label>
          ALPN (comma-separated) <input name="alpn" value={alpn} onChange={(e) => setAlpn(e.target.value)} placeholder="h2, http/1.1" />
        </label>
        <label>
          <input type="checkbox" name="statusRequest" checked={statusRequest} onChange={(e) => setStatusRequest(e.target.checked)} data-testid="status-request" /> Ask for a stapled OCSP response (status_request)
        </label>
        <label>
          Server name (SNI) <input name="sni" value={sni} onChange={(e) => setSni(e.target.value)} placeholder="from the target" />
        </label>
        <label>
          STARTTLS protocol{' '}
          <select name="starttls" value={starttls} onChange={(e) => setStarttls(startTlsInfo?.isStartTlsProtocol(e.target.value) ? e.target.value : '')} data-testid="starttls-select">
            <option value="">none (TLS from the first byte)</option>
            {/* Every protocol the STARTTLS layer speaks, so a new handler shows up here without a UI change. */}
            {startTlsInfo?.PROTOCOLS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} — {p.rfc} (port {p.defaultPort})
              </option>
            ))}
          </select>
        </label>
        <label>
          If a client certificate is requested{' '}
          <select name="clientCert" value={clientCert} onChange={(e) => setClientCert(e.target.value as ConnectRequest['clientCert'])}>
            <option value="ask">ask me</option>
            <option value="lab">send the lab's client certificate</option>
            <option value="none">send none</option>
          </select>
        </label>
        <p className="lab-files">
          The lab's files, for your own tools too:{' '}
          <a href={LAB_PATHS.clientCert} download="tls-lens-lab-client.pem" data-testid="download-client-cert">client certificate</a>,{' '}
          <a href={LAB_PATHS.clientKey} download="tls-lens-lab-client.key" data-testid="download-client-key">its private key</a>,{' '}
          <a href={LAB_PATHS.ca} download="tls-lens-lab-root.pem" data-testid="download-lab-ca">lab root CA</a>
        </p>
        <label>
          Application data to send after the handshake <input name="send" value={send} onChange={(e) => setSend(e.target.value)} placeholder="GET / HTTP/1.0" />
        </label>
        <label>
          <input type="checkbox" name="resume" checked={resume} onChange={(e) => setResume(e.target.checked)} data-testid="resume" /> Resume with the ticket kept from the last Connect to this server (pre_shared_key)
        </label>
        <label>
          Early data (0-RTT): sent before the server answers when resuming with a ticket that allows it, else after the handshake{' '}
          <input name="earlyData" value={earlyData} onChange={(e) => setEarlyData(e.target.value)} placeholder="GET / HTTP/1.0\r\n\r\n" data-testid="early-data-input" />
        </label>
        <label>
          <input type="checkbox" name="keepAppData" checked={keepAppData} onChange={(e) => setKeepAppData(e.target.checked)} data-testid="keep-app-data" /> Keep all application data for saving
          (otherwise data beyond the first {APP_DATA_WINDOW / 1024} KiB each way is kept as its length and SHA-256 only, so long transfers use little memory)
        </label>
        <label>
          <input type="checkbox" name="insecure" checked={insecure} onChange={(e) => setInsecure(e.target.checked)} /> Continue even if the certificate check fails (it is still shown)
        </label>
      </details>
      <fieldset>
        <legend>Breakpoints</legend>
        <label>
          <input type="checkbox" name="bpStep" checked={bpStep} onChange={(e) => setBpStep(e.target.checked)} data-testid="bp-step" /> Pause after each handshake message
        </label>
        <label>
          <input type="checkbox" name="bpAuth" checked={bpAuth} onChange={(e) => setBpAuth(e.target.checked)} data-testid="bp-auth" /> Pause after server authentication
        </label>
        <label>
          <input type="checkbox" name="bpCert" checked={bpCert} onChange={(e) => setBpCert(e.target.checked)} disabled={clientCert !== 'ask'} /> Pause when a client certificate is requested
        </label>
      </fieldset>
      <ConnectButton onPress={submit} />
    </form>
  );
});

/**
 * Its click connects and stops the form's submission (Enter in a field clicks it too): the browser's steps before a
 * submit event (checking every control, reading the form for autofill) cost milliseconds before the connection
 * started. The press draws nothing: the connection is drawn (and this form hidden) once there is more to show than
 * "connecting", or after a tenth of a second with the status line's "connecting" (worker-client.ts).
 */
function ConnectButton({ onPress }: { onPress: () => void }) {
  return (
    <button
      type="submit"
      className="primary"
      data-testid="connect-button"
      onClick={(e) => {
        e.preventDefault();
        onPress();
      }}
    >
      Connect
    </button>
  );
}
