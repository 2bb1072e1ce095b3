// The selected step in detail: field tree beside hex dump (linked both ways), the explanation of
// the selected field, and the record(s) the message travelled in.
import { memo, useDeferredValue, useMemo, useState } from 'react';
import type { FieldNode, RecordEvent, TraceEvent } from '../../trace/types.ts';
import { currentEvent, useTrace } from '../store.ts';
import { FieldTree, fieldAt, pathForOffset } from '../components/FieldTree.tsx';
import { HexDump } from '../components/HexDump.tsx';
import { explain } from '../explanations.ts';
import { APP_DATA_WINDOW } from '../../worker/messages.ts';
import { CONTENT_TYPE_NAMES, breakpointTitle } from '../rows.ts';
import { clientCertPauseNote } from '../breakpoint-words.ts';
import { hexToText, shortHex } from '../format.ts';
import { nonceLine } from '../record-nonce.ts';
import { OcspFields } from '../components/OcspFields.tsx';
import { ocspHeadline } from '../../trace/ocsp-words.ts';
import { earlyDataWords } from '../../trace/early-data-words.ts';

export function InspectorView() {
  const revision = useTrace((s) => s.revision);
  const cursor = useTrace((s) => s.cursor);
  // While a live trace grows and the view follows its newest step, the inspector catches up at a lower priority
  // than the ladder and the status line (React skips the steps it had no time to draw); a step the person picks
  // is drawn at once.
  const following = useTrace((s) => s.follow && s.source === 'live' && (s.status === 'connecting' || s.status === 'connected'));
  const { rows, events } = useTrace.getState();
  // The step as one value, so that while the inspector lags behind it shows the very step it showed (the same
  // element: EventInspector skips the render) rather than another one, drawn in full and then replaced (a new
  // session's trace read at the last session's cursor).
  const step = useMemo(() => ({ cursor, events, revision, event: currentEvent({ rows, events, cursor }) }), [cursor, rows, events, revision]);
  const deferredStep = useDeferredValue(step);
  // A new session's first step is drawn with the rest of it (the ladder, the status line), in the same render and
  // frame: deferred, it came in a second render after the session's (~3-4 ms), and the frame between could show
  // the previous session's step beside the new ladder.
  const shown = following && deferredStep.events === step.events ? deferredStep : step;
  if (!shown.event) return <p className="empty">No step selected yet. Connect, or open a saved trace.</p>;
  // Each step is a fresh inspector (its hover and the dump's scroll start anew), except the records of a live trace
  // followed as they stream: the newest replaces the last in place, its elements updated rather than made again.
  const key = following && shown.event.kind === 'record' ? 'followed-record' : `${shown.event.index}-${shown.cursor}`;
  return <EventInspector key={key} event={shown.event} events={shown.events} revision={shown.revision} />;
}

/** `revision`: the trace grew (a message's records may have come after it), so the step is drawn again. */
const EventInspector = memo(function EventInspector({ event, events }: { event: TraceEvent; events: TraceEvent[]; revision: number }) {
  switch (event.kind) {
    case 'handshake': {
      const recs = event.records.map((i) => events[i]).filter((e): e is RecordEvent => e?.kind === 'record');
      return (
        <section aria-label="Message inspector">
          <h2 className="insp-title">
            {event.name} <small>{event.direction} → {event.direction === 'client' ? 'server' : 'client'}, {event.epoch} epoch, {event.bytes.length / 2} bytes</small>
          </h2>
          <FieldsAndBytes fields={event.fields} hex={event.bytes} label={`${event.name} bytes`} />
          {recs.map((r) => (
            <RecordDetails key={r.index} record={r} />
          ))}
        </section>
      );
    }
    case 'record':
      return (
        <section aria-label="Record inspector">
          <h2 className="insp-title">
            {CONTENT_TYPE_NAMES[event.protection?.innerContentType ?? event.contentType] ?? 'record'} record <small>{event.direction}, {event.epoch} epoch, seq {event.seq}</small>
          </h2>
          {event.summarised && (
            <p className="appdata" data-testid="summarised-note">
              Summarised: the {event.summarised.length} bytes of application data in this record are left out of this view (the page keeps the
              first {APP_DATA_WINDOW / 1024} KiB each way in full). Its header, sizes, nonce and tag are here;{' '}
              {event.summarised.kept ? (
                <>
                  <em>Save trace</em> writes the whole record (you asked to keep all application data).
                </>
              ) : (
                <>the bytes were not kept (tick “Keep all application data for saving” before connecting to keep them).</>
              )}
            </p>
          )}
          {!event.summarised && event.protection && event.protection.innerContentType === 23 && (
            <div className="appdata">
              <h3>Decrypted data</h3>
              <pre data-testid="appdata-text">{hexToText(event.protection.plaintext).slice(0, 4000)}</pre>
            </div>
          )}
          <FieldsAndBytes fields={event.fields} hex={event.bytes} label="Record bytes" />
          <RecordDetails record={event} />
        </section>
      );
    case 'preamble':
      return (
        <section aria-label="Plaintext preamble line">
          <h2 className="insp-title">
            {event.protocol.toUpperCase()} plaintext <small>{event.direction}, before TLS</small>
          </h2>
          <pre className="preamble-text">{event.text}</pre>
          {event.note && <p className="note">{event.note}</p>}
          <HexDump hex={event.bytes} label="Preamble bytes" />
        </section>
      );
    case 'alert': {
      const carrier = event.record !== undefined ? events[event.record] : undefined;
      // Traces saved before alerts named their record: fall back to the nearest matching record.
      const rec = carrier?.kind === 'record' ? carrier : findCarrier(events, event.index, event.direction, 21);
      return (
        <section aria-label="Alert">
          <h2 className="insp-title">
            Alert {event.name} <small>{event.level}, from the {event.direction}</small>
          </h2>
          <p>
            {event.description === 0
              ? 'close_notify: the sender will send nothing more on this connection; the orderly end of a TLS session (RFC 8446 §6.1).'
              : `Alert description ${event.description} (${event.name}), level ${event.level}. A fatal alert ends the connection at once (RFC 8446 §6.2).`}
          </p>
          {rec && (
            <>
              <FieldsAndBytes fields={rec.fields} hex={rec.bytes} label="Alert record bytes" />
              <RecordDetails record={rec} />
            </>
          )}
        </section>
      );
    }
    case 'cert-result':
      return (
        <section aria-label="Certificate result">
          <h2 className="insp-title">Certificate verification: {event.ok ? 'passed' : 'failed'}</h2>
          {event.error && <FailureNames error={event.error} />}
          <p>The Certificates panel shows the chain, the path and each check.</p>
        </section>
      );
    case 'ocsp':
      return (
        <section aria-label="OCSP response">
          <h2 className="insp-title">{ocspHeadline(event)}</h2>
          <p>{event.detail}</p>
          <OcspFields event={event} />
          <p>The Certificates panel shows each OCSP check beside the chain's.</p>
        </section>
      );
    case 'error':
      return (
        <section aria-label="Error">
          <h2 className="insp-title">Error {event.code}</h2>
          <p role="alert">{event.message}</p>
        </section>
      );
    case 'note':
      return (
        <section aria-label="Note">
          <h2 className="insp-title">Note</h2>
          <p>{event.text}</p>
        </section>
      );
    case 'early-data':
      return (
        <section aria-label="Early data">
          <h2 className="insp-title">0-RTT early data ({event.side}: {event.outcome})</h2>
          <p>{earlyDataWords(event)}</p>
        </section>
      );
    case 'pause':
      return (
        <section aria-label="Breakpoint">
          <h2 className="insp-title">Breakpoint: {breakpointTitle(event.breakpoint)}</h2>
          {event.detail && <p>{event.breakpoint === 'clientCertRequest' ? clientCertPauseNote(event.detail) : event.detail}</p>}
          {event.phase === 'resumed' ? (
            <p>The person decided: {event.decision ?? 'continue'}. The engine went on from here.</p>
          ) : (
            <p>The engine waited here for a decision; the steps after this one happened once it went on.</p>
          )}
        </section>
      );
    case 'connection':
      return (
        <section aria-label="Connection">
          <h2 className="insp-title">Connection {event.phase === 'start' ? 'started' : event.phase === 'closed' ? 'closed' : 'open'}</h2>
          <dl className="failure-names">
            {event.target && (<><dt>Target</dt><dd>{event.target}</dd></>)}
            {event.serverName && (<><dt>Server name</dt><dd>{event.serverName}</dd></>)}
            {event.detail && (<><dt>Detail</dt><dd>{event.detail}</dd></>)}
            <dt>Time</dt>
            <dd>{event.t.toFixed(1)} ms after the start</dd>
          </dl>
        </section>
      );
    default:
      return (
        <section aria-label="Event">
          <h2 className="insp-title">{event.kind}</h2>
          <pre className="event-json">{JSON.stringify(event, null, 2).slice(0, 4000)}</pre>
        </section>
      );
  }
});

export function FailureNames({ error }: { error: { code: string; message: string; openssl?: string; secureTransport?: string; windowsCE?: string } }) {
  return (
    <dl className="failure-names" data-testid="failure-names">
      <dt>What went wrong</dt>
      <dd>{error.message}</dd>
      <dt>TLS Lens code</dt>
      <dd><code>{error.code}</code></dd>
      {error.openssl && (<><dt>OpenSSL</dt><dd><code>{error.openssl}</code></dd></>)}
      {error.secureTransport && (<><dt>Secure Transport</dt><dd><code>{error.secureTransport}</code></dd></>)}
      {error.windowsCE && (<><dt>Windows CE</dt><dd><code>{error.windowsCE}</code></dd></>)}
    </dl>
  );
}

/** The record event that carried a non-handshake message: the nearest earlier record from that side with that content type. */
function findCarrier(events: TraceEvent[], before: number, side: string, type: number): RecordEvent | undefined {
  for (let i = before; i >= 0 && i > before - 50; i--) {
    const e = events[i];
    if (e.kind === 'record' && e.direction === side && (e.protection?.innerContentType ?? e.contentType) === type) return e;
  }
  return undefined;
}

function FieldsAndBytes({ fields, hex, label }: { fields: FieldNode[]; hex: string; label: string }) {
  const selected = useTrace((s) => s.selectedField);
  const selectField = useTrace((s) => s.selectField);
  const [hover, setHover] = useState<[number, number] | null>(null);
  const sel = fieldAt(fields, selected);
  const range = hover ?? (sel ? ([sel.start, sel.end] as [number, number]) : null);
  const info = explain(sel?.explain);
  return (
    <div className="fields-bytes">
      <div className="fields-col">
        <FieldTree fields={fields} selected={selected} onSelect={selectField} onHover={setHover} />
      </div>
      <div className="bytes-col">
        <HexDump hex={hex} highlight={range} label={label} onByte={(o) => selectField(pathForOffset(fields, o))} />
      </div>
      {/* A grid item of its own: when the panel is narrow it goes below the tree, so that neither the dump nor the
          tree moves under the pointer when a click changes the selection. */}
      {sel && (
          <div className="explain" data-testid="explain" aria-live="polite">
            <h3>{info?.title ?? sel.name}</h3>
            <p>
              Bytes [{sel.start}, {sel.end}) — {sel.end - sel.start} bytes{sel.value !== undefined ? `, value ${sel.value}` : ''}.
            </p>
            {info ? <p>{info.text}</p> : sel.explain ? <p className="muted">Explanation key: {sel.explain}</p> : null}
            {info?.rfc && (
              <a href={info.rfc} target="_blank" rel="noreferrer">
                {info.rfcName ? `Read ${info.rfcName}` : 'Read the RFC section'}
              </a>
            )}
          </div>
        )}
    </div>
  );
}

function RecordDetails({ record }: { record: RecordEvent }) {
  const header = record.bytes.slice(0, 10);
  const type = parseInt(header.slice(0, 2), 16);
  const version = header.slice(2, 6);
  const length = parseInt(header.slice(6, 10), 16);
  const p = record.protection;
  const nonce = nonceLine(record);
  return (
    <div className="record-details" data-testid="record-details">
      <h3>
        Record {record.direction} seq {record.seq} ({record.epoch})
      </h3>
      <dl>
        <dt>Header</dt>
        <dd>
          <code>{header}</code> — type {type} ({CONTENT_TYPE_NAMES[type] ?? '?'}), legacy version 0x{version}, length {length}
        </dd>
        {p && (
          <>
            <dt>Cipher suite</dt>
            <dd>{p.cipherSuite}</dd>
            <dt>IV</dt>
            <dd><code>{p.iv}</code></dd>
            <dt>Sequence number</dt>
            <dd>{record.seq}</dd>
            {nonce ? (
              <>
                <dt>{nonce.label}</dt>
                <dd>
                  <code data-testid="nonce">{nonce.value}</code>{' '}
                  {nonce.matches === true ? <span className="ok">✓ recomputed</span> : nonce.matches === false ? <span className="bad">✗ recomputed {nonce.expected}</span> : <span className="muted">({nonce.note})</span>}
                </dd>
              </>
            ) : null}
            <dt>Additional data</dt>
            <dd><code>{p.aad}</code></dd>
            <dt>Ciphertext</dt>
            <dd><code>{shortHex(p.ciphertext, 64)}</code></dd>
            <dt>Tag</dt>
            <dd><code>{p.tag}</code></dd>
            <dt>Inner content type</dt>
            <dd>{p.innerContentType} ({CONTENT_TYPE_NAMES[p.innerContentType] ?? '?'}), padding {p.paddingLength} bytes</dd>
          </>
        )}
      </dl>
    </div>
  );
}
