// The "Both sides" form: the server set up as a teacher would (versions, suites, groups, certificate, client
// authentication, tickets, renegotiation, breakpoints, an attack on the wire) and our client's own offer.
import { useState, type FormEvent } from 'react';
import type { BothSidesAttack, BothSidesBreakpoints, BothSidesClientOptions, BothSidesRequest, ServerCertificateChoice, Side } from '../../worker/both-sides-messages.ts';
import { useBothSides } from './both-store.ts';
import { shownName } from '../format.ts';
import { pickedFileText } from './picked-file.ts';
import { GroupShareChecks, VersionChecks } from '../views/handshake-options.tsx';

const VERSIONS = ['TLS1.3', 'TLS1.2'] as const;
const SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'];
/** The server's choices; our client offers all of them, with key shares for the first two (as Chromium does). */
const GROUPS = ['X25519MLKEM768', 'x25519', 'secp256r1', 'secp384r1', 'secp521r1'];
/** The server may also take the finite-field groups (TLS 1.3 key shares, TLS 1.2 DHE); off until asked for. */
const SERVER_GROUP_CHOICES = [...GROUPS, 'ffdhe2048', 'ffdhe3072', 'ffdhe4096'];
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

/** A file the person picked, as text: PEM as it is, DER as what it stands for (picked-file.ts). */
function PickedFile({ label, testId, kind, onText }: { label: string; testId: string; kind: 'certificates' | 'key'; onText: (name: string, text: string) => void }) {
  return (
    <label>
      {label}{' '}
      <input type="file" accept=".pem,.crt,.cer,.der,.key,.p7b,.p7c,text/plain" data-testid={testId} onChange={(e) => {
        const file = e.target.files?.[0];
        if (file) void file.arrayBuffer().then((buffer) => onText(shownName(file.name), pickedFileText(new Uint8Array(buffer), kind)));
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
        Early data (0-RTT): sent right after the ClientHello when resuming with a ticket that allows it, else after the handshake{' '}
        <input value={client.earlyData ?? ''} onChange={(e) => set({ earlyData: e.target.value })} placeholder="GET / HTTP/1.0\r\n\r\n" data-testid="both-client-early-data" />
      </label>
      <label>
        ALPN the client offers (comma-separated) <input value={alpnText} onChange={(e) => (setAlpnText(e.target.value), set({ alpn: words(e.target.value) }))} placeholder="h2, http/1.1" data-testid="both-client-alpn" />
      </label>
    </fieldset>
  );
}

export function ServerOptionsForm() {
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
  const [acceptEarlyData, setAcceptEarlyData] = useState(false);
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
    useBothSides.getState().run({ client: { ...client, keyShareGroups: client.keyShareGroups.filter((g) => client.groups.includes(g)) }, serverAlpn: words(serverAlpn), versions, suites, groups, helloRetry, certificate, uploaded, clientAuth, clientHasCertificate, refuseClientCertificate, tickets, acceptEarlyData, renegotiate, keyUpdate, attack, breakpoints });
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
        {SERVER_GROUP_CHOICES.map((g) => (
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
            <PickedFile label="Certificate chain (PEM or DER)" testId="both-upload-chain" kind="certificates" onText={(name, text) => setChainFile({ name, text })} />
            <PickedFile label="Private key (PEM or DER; leave out if it is in the chain’s file)" testId="both-upload-key" kind="key" onText={(name, text) => setKeyFile({ name, text })} />
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
          <input type="checkbox" checked={acceptEarlyData} onChange={(e) => setAcceptEarlyData(e.target.checked)} data-testid="both-accept-early-data" /> Accept 0-RTT early data (TLS 1.3: the tickets allow 16384 bytes; each ticket’s early data is taken once; off, early data is refused and skipped unread)
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
