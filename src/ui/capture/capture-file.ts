// The capture side of the page: open a pcap/pcapng, list its TCP streams, add a key log, and load the chosen stream
// into the trace store as a saved trace is loaded (files.ts path), so every view shows it. Also the pcapng download.
import { create } from 'zustand';
import { parseHexInput } from '../../capture/hex-input.ts';
import { addKeyLog, emptyKeyLog, type KeyLog } from '../../capture/keylog.ts';
import { decodePasted } from '../../capture/pasted.ts';
import { exportPcapng } from '../../capture/pcapng-writer.ts';
import { decodeStream, listingOf, type StreamListing } from '../../capture/session.ts';
import { scanCapture, type CaptureScan } from '../../capture/streams.ts';
import type { CertificateVerifier } from '../../capture/engine.ts';
import { useTrace } from '../store.ts';

interface CaptureState {
  name?: string;
  scan?: CaptureScan;
  listings: StreamListing[];
  keyLogText: string;
  keyLogProblems: KeyLog['problems'];
  selected?: number;
  busy: boolean;
}

export const useCapture = create<CaptureState>(() => ({ listings: [], keyLogText: '', keyLogProblems: [], busy: false }));

async function* chunksOf(file: Blob): AsyncGenerator<Uint8Array> {
  const reader = file.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

let verifier: Promise<CertificateVerifier> | undefined;
function certificateVerifier(): Promise<CertificateVerifier> {
  // The Mozilla root store is large: loaded only when a capture is opened.
  verifier ??= import('../../x509/verifier.ts').then((m) => m.createVerifier());
  return verifier;
}

function keyLog(): KeyLog {
  const { keyLogText, scan } = useCapture.getState();
  const log = addKeyLog(emptyKeyLog(), keyLogText);
  if (scan?.keyLog) addKeyLog(log, scan.keyLog);
  return log;
}

/** Open a capture: list its streams; the only one (or the first TLS one) opens directly. */
export async function openCapture(file: File): Promise<void> {
  useCapture.setState({ busy: true, name: file.name, selected: undefined });
  try {
    const scan = await scanCapture(chunksOf(file));
    if (scan.streams.length === 0 && scan.error) throw new Error(scan.error.message);
    const listings = [];
    for (const s of scan.streams) listings.push(listingOf(s, await decodeStream(s)));
    useCapture.setState({ scan, listings, keyLogProblems: keyLog().problems });
    if (scan.error) useTrace.getState().setError(`The capture is damaged (${scan.error.code}): ${scan.error.message}. The streams read before it are listed.`);
    if (scan.streams.length === 1) await openStream(scan.streams[0].index);
  } finally {
    useCapture.setState({ busy: false });
  }
}

/** Add an NSS key log; the open stream is decoded again with it. */
export async function addKeyLogFile(file: File): Promise<void> {
  const text = await file.text();
  useCapture.setState((s) => ({ keyLogText: s.keyLogText + (s.keyLogText.endsWith('\n') || !s.keyLogText ? '' : '\n') + text }));
  useCapture.setState({ keyLogProblems: keyLog().problems });
  const selected = useCapture.getState().selected;
  if (selected !== undefined) await openStream(selected);
}

/** Decode one stream (with the key log) and show it in every view. */
export async function openStream(index: number): Promise<void> {
  const { scan, name } = useCapture.getState();
  const stream = scan?.streams.find((s) => s.index === index);
  if (!stream) return;
  useCapture.setState({ busy: true });
  try {
    const decoded = await decodeStream(stream, { keyLog: keyLog(), verifier: await certificateVerifier() });
    const listing = listingOf(stream, decoded);
    useCapture.setState({ selected: index });
    useTrace.getState().loadReplay(
      { format: 'tls-lens-trace', version: 1, createdAt: listing.firstTime, target: listing.server, events: decoded.events },
      `${name ?? 'capture'} · stream ${index} (${listing.client} → ${listing.server})`,
    );
  } finally {
    useCapture.setState({ busy: false });
  }
}

/** Download the current trace as a pcapng with its key log inside. */
export function savePcapng(): void {
  const { events } = useTrace.getState();
  const bytes = exportPcapng(events);
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/vnd.tcpdump.pcap' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `tls-lens-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}.pcapng`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Hex pasted by the user (records or one handshake message): decoded and shown like any trace. */
export async function openPastedHex(text: string): Promise<void> {
  const bytes = parseHexInput(text);
  const decoded = await decodePasted(bytes, { keyLog: keyLog() });
  const events = [...decoded.events];
  for (const f of decoded.fingerprints) events.push({ kind: 'note', text: `ClientHello fingerprints: JA3 ${f.ja3} (${f.ja3Text}); JA4 ${f.ja4}`, index: events.length, t: 0, conn: 0 });
  useTrace.getState().loadReplay({ format: 'tls-lens-trace', version: 1, createdAt: new Date().toISOString(), events }, `pasted hex: ${bytes.length} bytes, ${decoded.what} from the ${decoded.direction}`);
}
