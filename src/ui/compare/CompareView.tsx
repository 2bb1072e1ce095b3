// The Compare view: pick two handshakes (the current session or saved trace files), then see them side by side:
// what each agreed, the differences in plain words, the messages aligned by role with the keys protecting each,
// the round trips before application data, and the flights with their bytes.
import { useMemo, useRef } from 'react';
import { readTraceText } from '../files.ts';
import { shownName } from '../format.ts';
import { useTrace } from '../store.ts';
import { useCompare, type CompareSlot, type SlotId } from './compare-store.ts';
import { compareTraces, connectionsOf, describeCertificates, type Comparison, type HandshakeSummary, type WireItem } from './model.ts';
import { DataTable } from '../components/DataTable.tsx';
import './compare.css';

const EPOCH_WORDS: Record<string, string> = { plaintext: 'plaintext', early: 'early data keys', handshake: 'handshake keys', application: 'application keys', preamble: 'STARTTLS plaintext' };

function SlotPicker({ slot }: { slot: SlotId }) {
  const picked = useCompare((s) => s[slot]);
  const error = useCompare((s) => s.errors[slot]);
  const source = useTrace((s) => s.source);
  const fileInput = useRef<HTMLInputElement>(null);
  const letter = slot.toUpperCase();

  const useSession = () => {
    const s = useTrace.getState();
    const what = s.source === 'replay' ? s.replayName : s.target;
    // A copy: the live trace keeps growing in place and a later session replaces it.
    useCompare.getState().load(slot, `current session: ${what ?? 'unnamed'} (${s.status})`, s.events.slice());
  };

  const openFile = async (file: File) => {
    try {
      const { file: trace, problem } = readTraceText(await file.text(), file.name);
      useCompare.getState().load(slot, file.name, trace.events);
      // Damaged part-way: its sound events are compared, and the slot says where it stopped.
      if (problem) useCompare.getState().setError(slot, problem);
    } catch (e) {
      useCompare.getState().setError(slot, `“${shownName(file.name)}” could not be opened: ${(e as Error).message}`);
    }
  };

  return (
    <fieldset className="cmp-slot" data-testid={`compare-slot-${slot}`}>
      <legend>Handshake {letter}</legend>
      <p className="cmp-slot-name" data-testid={`compare-name-${slot}`}>
        {picked ? picked.name : <span className="muted">Nothing picked yet.</span>}
      </p>
      <div className="cmp-slot-actions">
        <button type="button" onClick={useSession} disabled={source === 'none'} data-testid={`compare-use-session-${slot}`}>
          Use the current session
        </button>
        <button type="button" onClick={() => fileInput.current?.click()}>
          Open a trace file…
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".json,application/json"
          hidden
          aria-label={`Trace file for handshake ${letter}`}
          data-testid={`compare-file-${slot}`}
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (f) void openFile(f);
          }}
        />
        {picked && <ConnectionChoice slot={slot} picked={picked} />}
      </div>
      {error && (
        <p role="alert" className="bad" data-testid={`compare-error-${slot}`}>
          {error}
        </p>
      )}
    </fieldset>
  );
}

function ConnectionChoice({ slot, picked }: { slot: SlotId; picked: CompareSlot }) {
  const conns = connectionsOf(picked.events);
  if (conns.length < 2) return null;
  return (
    <label>
      Connection{' '}
      <select value={picked.conn} onChange={(e) => useCompare.getState().setConn(slot, Number(e.target.value))} data-testid={`compare-conn-${slot}`}>
        {conns.map((c) => (
          <option key={c} value={c}>
            {c === 0 ? '0 (first)' : `${c} (reconnect)`}
          </option>
        ))}
      </select>
    </label>
  );
}

export function CompareView() {
  const a = useCompare((s) => s.a);
  const b = useCompare((s) => s.b);
  const result = useMemo((): Comparison | string | undefined => {
    if (!a || !b) return undefined;
    try {
      return compareTraces({ name: a.name, events: a.events, conn: a.conn }, { name: b.name, events: b.events, conn: b.conn });
    } catch (e) {
      return (e as Error).message;
    }
  }, [a, b]);

  return (
    <section className="compare" aria-labelledby="compare-title" data-testid="compare-view">
      <h2 id="compare-title">Compare two handshakes</h2>
      <p className="muted">
        Pick two: the session on screen now, or traces saved with “Save trace” (or <code>tls-lens connect --trace</code>). For example TLS 1.3 and TLS 1.2 to the same server, or a full handshake and a
        resumed one. Press Compare again to go back to the session.
      </p>
      <div className="cmp-slots">
        <SlotPicker slot="a" />
        <SlotPicker slot="b" />
      </div>
      {typeof result === 'string' && (
        <p role="alert" className="bad">
          {result}
        </p>
      )}
      {result && typeof result !== 'string' && <ComparisonBody c={result} />}
    </section>
  );
}

function ComparisonBody({ c }: { c: Comparison }) {
  return (
    <>
      <Summary c={c} />
      <section aria-labelledby="cmp-diff-title">
        <h3 id="cmp-diff-title">Differences</h3>
        {c.differences.length === 0 ? (
          <p data-testid="compare-no-differences">No differences in version, suite, round trips, messages, certificates or extensions.</p>
        ) : (
          <ul className="cmp-diffs" data-testid="compare-differences">
            {c.differences.map((d) => (
              <li key={d.topic} data-topic={d.topic}>
                {d.text}
              </li>
            ))}
          </ul>
        )}
      </section>
      <AlignedRows c={c} />
      <div className="cmp-flights">
        <Flights s={c.a} tag="A" />
        <Flights s={c.b} tag="B" />
      </div>
    </>
  );
}

/** A count of round trips, or what happened instead when the event never came. */
const rt = (n: number | null, never = 'no data sent') => (n === null ? never : String(n));

function Summary({ c }: { c: Comparison }) {
  const rows: [string, (s: HandshakeSummary) => string][] = [
    ['Version', (s) => s.version ?? 'unknown'],
    ['Cipher suite', (s) => s.cipherSuite ?? 'none'],
    ['Key exchange group', (s) => s.group ?? 'none'],
    ['Handshake', (s) => [s.resumed ? 'resumed' : 'full', s.helloRetry && 'with HelloRetryRequest'].filter(Boolean).join(', ')],
    ['Round trips until the server’s Finished', (s) => rt(s.roundTrips.handshake, 'no Finished from the server')],
    ['Round trips before the client’s first data', (s) => rt(s.roundTrips.clientData)],
    ['Round trips before the server’s first data', (s) => rt(s.roundTrips.serverData)],
    ['Flights on the wire', (s) => String(s.flights.length)],
    ['Handshake bytes (before any application data)', (s) => String(s.handshakeBytes)],
    ['First encrypted message', (s) => (s.firstEncrypted ? `${s.firstEncrypted.side} ${s.firstEncrypted.label}` : 'none')],
    ['Server certificates', (s) => describeCertificates(s.certificates)],
    ['Handshake messages', (s) => String(s.handshakeMessages.length)],
    ['Outcome', (s) => s.failure ?? 'completed'],
  ];
  return (
    <DataTable className="cmp-table cmp-summary" testId="compare-summary" caption="What each handshake did" columns={['Topic', `A (connection ${c.a.conn})`, `B (connection ${c.b.conn})`]}>
      {rows.map(([topic, read]) => {
        const va = read(c.a);
        const vb = read(c.b);
        return (
          <tr key={topic} data-topic={topic} className={va === vb ? '' : 'cmp-differs'}>
            <th scope="row">{topic}</th>
            <td data-side="a">{va}</td>
            <td data-side="b">{vb}</td>
          </tr>
        );
      })}
    </DataTable>
  );
}

function ItemCell({ item, side }: { item?: WireItem; side: 'a' | 'b' }) {
  if (!item) return <td data-side={side} className="cmp-missing" aria-label="nothing here" />;
  const arrow = item.side === 'client' ? 'client → server' : 'server → client';
  return (
    <td data-side={side} className={`cmp-item cmp-ep-${item.epoch}`} data-epoch={item.epoch}>
      <span className="cmp-label">
        {item.label}
        {item.count > 1 ? ` ×${item.count}` : ''}
      </span>
      <span className="cmp-meta">
        {arrow}, flight {item.flight}, {EPOCH_WORDS[item.epoch] ?? item.epoch}, {item.bytes} bytes
      </span>
    </td>
  );
}

function AlignedRows({ c }: { c: Comparison }) {
  return (
    <DataTable className="cmp-table cmp-rows" testId="compare-rows" caption="Messages aligned by role (cell colour: the keys that protected it)" columns={['Role', 'A', 'B']}>
      {c.rows.map((r, i) => (
        <tr key={i} data-role={r.role} data-both={r.a && r.b ? 'yes' : 'no'}>
          <th scope="row">{r.role}</th>
          <ItemCell item={r.a} side="a" />
          <ItemCell item={r.b} side="b" />
        </tr>
      ))}
    </DataTable>
  );
}

function Flights({ s, tag }: { s: HandshakeSummary; tag: 'A' | 'B' }) {
  return (
    <DataTable className="cmp-table" testId={`compare-flights-${tag.toLowerCase()}`} caption={`Flights of ${tag}`} columns={['#', 'From', 'Records', 'Bytes', 'Keys', 'Carries']}>
      {s.flights.map((f) => (
        <tr key={f.number} data-side={f.side}>
          <td>{f.number}</td>
          <td>{f.side}</td>
          <td>{f.records}</td>
          <td>{f.bytes}</td>
          <td>{f.epochs.map((e) => EPOCH_WORDS[e] ?? e).join(', ')}</td>
          <td>{f.carries.join(', ')}</td>
        </tr>
      ))}
    </DataTable>
  );
}
