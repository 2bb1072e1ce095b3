// Header controls for captures: open (pick or drop) a pcap/pcapng, add a key log, save the session as pcapng; and
// the stream list when a capture holds several TCP streams.
import { useRef, useState } from 'react';
import { useTrace } from '../store.ts';
import { addKeyLogFile, openCapture, openPastedHex, openStream, savePcapng, useCapture } from './capture-file.ts';

const report = (what: string) => (err: unknown) => useTrace.getState().setError(`${what}: ${(err as Error).message}`);

export function CaptureControls() {
  const captureInput = useRef<HTMLInputElement>(null);
  const keyLogInput = useRef<HTMLInputElement>(null);
  const source = useTrace((s) => s.source);
  const name = useCapture((s) => s.name);
  const busy = useCapture((s) => s.busy);
  const onDrop = (e: React.DragEvent) => {
    e.preventDefault();
    for (const f of Array.from(e.dataTransfer.files)) {
      if (/\.(pcapng|pcap|cap)$/i.test(f.name)) void openCapture(f).catch(report('That capture could not be opened'));
      else void addKeyLogFile(f).catch(report('That key log could not be read'));
    }
  };
  return (
    <span className="capture-controls" onDragOver={(e) => e.preventDefault()} onDrop={onDrop} title="Drop a .pcap/.pcapng capture or a key log here">
      <button type="button" onClick={() => captureInput.current?.click()} disabled={busy} data-testid="open-capture">
        Open capture
      </button>
      <input ref={captureInput} type="file" accept=".pcap,.pcapng,.cap" hidden aria-label="Capture file to open" data-testid="open-capture-input"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void openCapture(f).catch(report('That capture could not be opened'));
        }}
      />
      {name && (
        <button type="button" onClick={() => keyLogInput.current?.click()} disabled={busy} data-testid="add-keylog">
          Add key log
        </button>
      )}
      <input ref={keyLogInput} type="file" hidden aria-label="Key log file to add" data-testid="add-keylog-input"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void addKeyLogFile(f).catch(report('That key log could not be read'));
        }}
      />
      <PasteHex />
      <button type="button" onClick={() => void savePcapng().catch(report('The pcapng could not be made'))} disabled={source === 'none'} data-testid="save-pcapng" title="The session as a pcapng with its key log inside: Wireshark shows it decrypted">
        Save pcapng
      </button>
    </span>
  );
}

/** The capture's TCP streams; choosing one shows it in every view. */
export function StreamList() {
  const listings = useCapture((s) => s.listings);
  const selected = useCapture((s) => s.selected);
  const problems = useCapture((s) => s.keyLogProblems);
  const name = useCapture((s) => s.name);
  const damage = useCapture((s) => s.damage);
  const truncated = useCapture((s) => s.truncated);
  if (!name || listings.length === 0) return null;
  return (
    <section className="stream-list" aria-label="Streams in the capture" data-testid="stream-list">
      <table>
        <caption>
          {listings.length === 1 ? `The TCP stream in ${name}` : `${listings.length} TCP streams in ${name}: choose one to open it in every view`}
        </caption>
        <thead>
          <tr><th>#</th><th>client</th><th>server</th><th>first packet</th><th>bytes →/←</th><th>recognised</th><th>SNI</th></tr>
        </thead>
        <tbody>
          {listings.map((l) => (
            <tr key={l.index} aria-selected={l.index === selected} data-testid={`stream-${l.index}`} onClick={() => void openStream(l.index).catch(report('That stream could not be decoded'))}>
              <td>
                {/* The row opens on a click anywhere; the button is its keyboard and screen-reader way in. */}
                <button type="button" aria-label={`Open stream ${l.index}`} aria-pressed={l.index === selected}>{l.index}</button>
              </td>
              <td>{l.client}</td><td>{l.server}</td><td>{l.firstTime.slice(11, 23)}</td><td>{l.bytes.client}/{l.bytes.server}</td>
              <td>{l.starttls ? `STARTTLS ${l.starttls}${l.tls ? ` + ${l.tls}` : ''}` : l.tls || 'no TLS'}{l.gaps ? ` (${l.gaps} gap)` : ''}</td><td>{l.serverName ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {truncated && (
        <p role="status" data-testid="capture-truncated">
          {truncated}
        </p>
      )}
      {damage && (
        <p role="status" className="bad" data-testid="capture-damage">
          {damage}
        </p>
      )}
      {problems.length > 0 && <p role="status">{problems.length} key log line(s) ignored, e.g. line {problems[0].line}: {problems[0].reason}</p>}
    </section>
  );
}

/** Paste hex (plain, 0x, xxd or a Wireshark hex dump) of records or one handshake message; it opens as a trace. */
function PasteHex() {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)} data-testid="paste-hex">
        Paste hex…
      </button>
    );
  }
  return (
    <span className="paste-hex">
      <textarea value={text} onChange={(e) => setText(e.target.value)} rows={3} cols={40} aria-label="Hex of TLS records or a handshake message" placeholder="16 03 01 02 00 01 00 01 fc 03 03 …" data-testid="paste-hex-input" />
      <button type="button" data-testid="paste-hex-decode"
        onClick={() =>
          void openPastedHex(text).then(
            () => {
              useTrace.getState().setError(undefined);
              setOpen(false);
            },
            report('Those bytes could not be decoded'),
          )
        }
      >
        Decode
      </button>
      <button type="button" onClick={() => setOpen(false)}>Cancel</button>
    </span>
  );
}
