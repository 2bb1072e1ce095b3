// The Clients view: every client that connected to the app's serve listener (or to a `tls-lens serve --report`),
// live: when, from where, what it asked for (SNI, ALPN) and what it got (version, suite, group), its JA3 / JA4 and
// what they mean, success or the alert. Choosing one shows its ClientHello (GREASE, key shares, the hybrid share's
// parts) and what the server chose and why; "Open in the views" loads its trace into the ladder and panels.
import { useEffect, useMemo, useState } from 'react';
import type { ClientEntry, ClientsListenerInfo } from '../../clients/report-message.ts';
import { explainFingerprints } from '../../tls/fingerprint.ts';
import type { TraceFile } from '../../trace/types.ts';
import { download } from '../files.ts';
import { useTrace } from '../store.ts';
import { useClients } from './clients-store.ts';
import type { EarlierClient } from './kept-clients.ts';
import { helloFacts, serverChoices, traceClientHello, type HelloFacts, type Offered } from './model.ts';
import { DataTable } from '../components/DataTable.tsx';
import './clients.css';

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour12: false });

function outcome(e: ClientEntry): string {
  const r = e.report;
  if (r.ok) return e.phase === 'handshake' ? 'complete, still connected' : 'complete';
  const alert = r.alertSent ? `we sent ${r.alertSent}` : r.alertReceived ? `client sent ${r.alertReceived}` : r.error?.code ?? 'no handshake';
  return `failed: ${alert}`;
}

function ListenerHelp({ listener }: { listener?: ClientsListenerInfo }) {
  if (!listener) return null;
  if (!listener.running) {
    return (
      <p data-testid="clients-listener">
        The app runs no serve listener ({listener.reason}). Start one of your own and point it here:{' '}
        <code>node bin/tls-lens.js serve --www --report {location.origin}/api/clients</code>
      </p>
    );
  }
  const local = listener.host === '0.0.0.0' || listener.host === '::' ? `https://127.0.0.1:${listener.port}/` : listener.url!;
  const hostPort = new URL(local).host;
  return (
    <div className="clients-help" data-testid="clients-listener" data-port={listener.port}>
      <p>
        TLS Lens’s own server listens on <strong>{listener.url}</strong>
        {listener.host !== '127.0.0.1' && listener.host !== '::1' && ' (reachable from other machines: every one that connects is listed)'}. Connect any client to it; it
        shows up here once its handshake is done, and again when its connection ends. Its certificate comes from a throwaway CA: <a href="/api/clients/ca.pem">download the CA</a>
        {listener.caFile && (
          <>
            {' '}(on this machine: <code>{listener.caFile}</code>)
          </>
        )}
        .
      </p>
      <ul>
        <li>
          <code>curl --cacert {listener.caFile ?? 'ca.pem'} {local}</code>
        </li>
        <li>
          <code>
            openssl s_client -connect {hostPort} -CAfile {listener.caFile ?? 'ca.pem'}
          </code>
        </li>
        <li>
          This browser: <a href={local} target="_blank" rel="noreferrer">open {local}</a> (accept the warning, or start Chromium with{' '}
          <code>--ignore-certificate-errors-spki-list={listener.leafSpkiSha256}</code>)
        </li>
        <li>
          A server set up your own way: <code>node bin/tls-lens.js serve --www --report {location.origin}/api/clients [options]</code>
        </li>
      </ul>
    </div>
  );
}

const COLUMNS = ['#', 'time', 'peer', 'SNI', 'ALPN', 'version', 'cipher suite', 'group', 'JA4 / JA3', 'result'];

/** A report's cells after the first (its number): the same in the live table and the earlier one. */
function ReportCells({ e }: { e: ClientEntry }) {
  const r = e.report;
  return (
    <>
      <td>{time(e.receivedAt)}</td>
      <td>
        {r.client}
        {!e.fromAppListener && <span className="muted"> via {e.server.url}</span>}
      </td>
      <td>{r.serverName ?? '—'}</td>
      <td>{r.alpn ?? '—'}</td>
      <td>{r.version ?? '—'}</td>
      <td>{r.cipherSuite ?? '—'}</td>
      <td>{r.group ?? '—'}</td>
      <td>
        <code>{r.fingerprints?.ja4 ?? '—'}</code>
        {r.fingerprints && (
          <>
            <br />
            <code className="muted">{r.fingerprints.ja3}</code>
          </>
        )}
      </td>
      <td className={r.ok ? 'good' : 'error'}>{outcome(e)}</td>
    </>
  );
}

function ClientsTable({ entries, selected }: { entries: ClientEntry[]; selected?: number }) {
  const newestFirst = [...entries].reverse();
  return (
    <DataTable className="clients-table" testId="clients-table" caption="Clients, newest first (the app keeps the last 50)" columns={COLUMNS}>
      {newestFirst.map((e) => {
        const r = e.report;
        return (
          <tr key={e.id} className={e.id === selected ? 'clients-selected' : undefined} data-testid={`client-row-${e.id}`} data-peer={r.client} data-group={r.group ?? ''} data-ok={r.ok}>
            <td>
              <button type="button" aria-pressed={e.id === selected} onClick={() => useClients.getState().select(e.id === selected ? undefined : e.id)} aria-label={`Client ${e.id} from ${r.client}: show its handshake`}>
                {e.id}
              </button>
            </td>
            <ReportCells e={e} />
          </tr>
        );
      })}
    </DataTable>
  );
}

/** Reports this tab kept from before a reload or an app restart: shown, marked, but without a trace to open. */
function EarlierTable({ earlier }: { earlier: EarlierClient[] }) {
  const newestFirst = [...earlier].reverse();
  return (
    <DataTable className="clients-table clients-earlier" testId="clients-earlier" caption={`From before reload: ${earlier.length} client${earlier.length === 1 ? '' : 's'} this tab kept (newest first; their traces are gone)`} columns={COLUMNS}>
      {newestFirst.map(({ entry: e, before }) => (
        <tr key={`${e.id} ${e.receivedAt}`} data-testid="client-earlier-row" data-peer={e.report.client} data-before={before}>
          <td>
            {e.id} <span className="clients-mark">{before === 'reload' ? 'from before reload' : 'from before the app restarted'}</span>
          </td>
          <ReportCells e={e} />
        </tr>
      ))}
    </DataTable>
  );
}

function OfferList({ items, label }: { items: Offered[]; label: string }) {
  return (
    <ul className="clients-offer" aria-label={label}>
      {items.map((x, i) => (
        <li key={i} className={x.grease ? 'clients-grease' : undefined}>
          {x.name}
        </li>
      ))}
    </ul>
  );
}

function HelloDetails({ facts }: { facts: HelloFacts }) {
  return (
    <section aria-label="The client's ClientHello" data-testid="client-hello">
      <h4>ClientHello: what the client offered</h4>
      <p>
        {facts.greaseCount > 0 ? `${facts.greaseCount} GREASE value(s) (RFC 8701), marked “GREASE”: reserved code points the server must ignore.` : 'No GREASE values.'} SNI:{' '}
        {facts.serverName ?? 'none'}; ALPN: {facts.alpn.length ? facts.alpn.join(', ') : 'none'}.
      </p>
      {facts.keyShares.length === 0 ? (
        <p data-testid="client-key-shares">
          Key shares: none.{' '}
          {facts.versions.some((v) => v.name.startsWith('TLS 1.3'))
            ? 'The client offers TLS 1.3 but sends no key share: a TLS 1.3 server answers with a HelloRetryRequest naming its group.'
            : 'Key shares are TLS 1.3’s (RFC 8446 §4.2.8); a TLS 1.2 client sends its key later, in ClientKeyExchange.'}
        </p>
      ) : (
        <DataTable className="clients-shares" testId="client-key-shares" caption={`Key shares (${facts.keyShares.length})`} columns={['group', 'bytes', 'made of']}>
          {facts.keyShares.map((k, i) => (
            <tr key={i}>
              <td>{k.group}</td>
              <td>{k.bytes}</td>
              <td>{k.parts ? k.parts.map((p) => `${p.part} (${p.bytes} bytes)`).join(' + ') : k.grease ? 'a GREASE placeholder' : 'one public key'}</td>
            </tr>
          ))}
        </DataTable>
      )}
      <div className="clients-offers">
        <div>
          <h5>Versions ({facts.versions.length})</h5>
          <OfferList items={facts.versions} label="Versions offered" />
        </div>
        <div>
          <h5>Groups ({facts.groups.length})</h5>
          <OfferList items={facts.groups} label="Groups offered" />
        </div>
        <div>
          <h5>Cipher suites ({facts.suites.length})</h5>
          <OfferList items={facts.suites} label="Cipher suites offered" />
        </div>
        <div>
          <h5>Extensions ({facts.extensions.length}, in the client’s order)</h5>
          <OfferList items={facts.extensions} label="Extensions offered" />
        </div>
      </div>
    </section>
  );
}

function ClientDetails({ entry }: { entry: ClientEntry }) {
  const [trace, setTrace] = useState<TraceFile | null>(null);
  const [problem, setProblem] = useState<string | null>(entry.hasTrace ? null : `Reported without its trace: ${entry.traceOmitted ?? 'no reason given'}`);
  useEffect(() => {
    if (!entry.hasTrace) return;
    let current = true;
    setTrace(null);
    useClients
      .getState()
      .loadTrace(entry.id)
      .then(
        (t) => current && setTrace(t),
        (e) => current && setProblem(`Its trace could not be loaded: ${(e as Error).message}`),
      );
    return () => {
      current = false;
    };
  }, [entry.id, entry.hasTrace, entry.phase]);
  const facts = useMemo(() => {
    const hello = trace ? traceClientHello(trace.events) : null;
    return hello ? helloFacts(hello) : null;
  }, [trace]);
  const r = entry.report;
  const name = `client #${entry.id} ${r.client}`;
  const open = () => {
    if (!trace) return;
    useTrace.getState().loadReplay(trace, `${name} (server’s side)`);
    useTrace.getState().setError(undefined);
    useClients.getState().setOpen(false);
  };
  return (
    <section className="clients-details" aria-label={`Handshake of ${name}`} data-testid="client-details">
      <h3>
        {name}: {r.ok ? `${r.version}, ${r.cipherSuite}, ${r.group}` : 'handshake failed'}
      </h3>
      <div className="clients-actions">
        <button type="button" className="primary" onClick={open} disabled={!trace} data-testid="client-open">
          Open in the views
        </button>
        <button type="button" onClick={() => trace && download(`tls-lens-client-${entry.id}.json`, JSON.stringify(trace), 'application/json')} disabled={!trace}>
          Save trace
        </button>
      </div>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <h4>What the server chose, and why</h4>
      <ul data-testid="client-choices">
        {serverChoices(entry, facts).map((l, i) => (
          <li key={i}>{l}</li>
        ))}
      </ul>
      <h4>Fingerprints</h4>
      {r.fingerprints ? (
        <ul data-testid="client-fingerprints">
          {explainFingerprints(r.fingerprints).map((l, i) => (
            <li key={i}>{l}</li>
          ))}
        </ul>
      ) : (
        <p>No complete ClientHello arrived: no fingerprint.</p>
      )}
      {facts && <HelloDetails facts={facts} />}
    </section>
  );
}

export default function ClientsView() {
  const entries = useClients((s) => s.entries);
  const earlier = useClients((s) => s.earlier);
  const listener = useClients((s) => s.listener);
  const stream = useClients((s) => s.stream);
  const error = useClients((s) => s.error);
  const selected = useClients((s) => s.selected);
  const entry = entries.find((e) => e.id === selected);
  return (
    <section className="clients" aria-labelledby="clients-title" data-testid="clients-view">
      <h2 id="clients-title">Clients</h2>
      <p className="muted" role="status" data-testid="clients-stream" data-stream={stream}>
        {stream === 'live' ? `Following live: ${entries.length} client${entries.length === 1 ? '' : 's'} listed.` : stream === 'connecting' ? 'Connecting to the app…' : error}
      </p>
      <ListenerHelp listener={listener} />
      {entries.length === 0 ? <p className="empty">No client has connected yet.</p> : <ClientsTable entries={entries} selected={selected} />}
      {earlier.length > 0 && <EarlierTable earlier={earlier} />}
      {entry && <ClientDetails key={`${entry.id} ${entry.receivedAt}`} entry={entry} />}
    </section>
  );
}
