// The capture side of the page: open a pcap/pcapng, list its TCP streams, add a key log, and load the chosen stream
// into the trace store as a saved trace is loaded (files.ts path), so every view shows it. Also the pcapng download.
// The page never holds the capture: listing reads the file once (each stream decoded from its first bytes), and
// opening a stream reads it again, decoding only that stream whole (importCapture, streaming).
import { create } from 'zustand';
import { addKeyLog, emptyKeyLog, type KeyLog } from '../../capture/keylog.ts';
import type { StreamListing } from '../../capture/session.ts';
import type { CertificateVerifier } from '../../capture/engine.ts';
import { useTrace } from '../store.ts';
import { shownName } from '../format.ts';

interface CaptureState {
  name?: string;
  file?: Blob;
  /** Key log text from the capture's Decryption Secrets Blocks. */
  captureKeyLog: string;
  listings: StreamListing[];
  keyLogText: string;
  keyLogProblems: KeyLog['problems'];
  selected?: number;
  busy: boolean;
  /** Where the capture stopped being readable, in words; the streams read before it are listed. */
  damage?: string;
  /** Packets the capture's snapshot length cut short, in words (their bytes are gaps in the streams). */
  truncated?: string;
}

export const useCapture = create<CaptureState>(() => ({ listings: [], captureKeyLog: '', keyLogText: '', keyLogProblems: [], busy: false }));

async function* chunksOf(file: Blob): AsyncGenerator<Uint8Array> {
  const reader = file.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

/** The decoder, loaded on first use (not with the first screen). */
const decoder = () => import('./capture-decoder.ts');

let verifier: Promise<CertificateVerifier> | undefined;
function certificateVerifier(): Promise<CertificateVerifier> {
  // The Mozilla root store is large: loaded only when a capture is opened.
  verifier ??= import('../../x509/verifier.ts').then((m) => m.createVerifier());
  return verifier;
}

function keyLog(): KeyLog {
  const { keyLogText, captureKeyLog } = useCapture.getState();
  const log = addKeyLog(emptyKeyLog(), keyLogText);
  if (captureKeyLog) addKeyLog(log, captureKeyLog);
  return log;
}

/** Open a capture: list its streams; the only one (or the first TLS one) opens directly. */
export async function openCapture(file: File): Promise<void> {
  useCapture.setState({ busy: true, name: shownName(file.name), file, selected: undefined, captureKeyLog: '', damage: undefined, truncated: undefined });
  try {
    const { importCapture, listingOf } = await decoder();
    const imported = await importCapture(chunksOf(file), { decode: () => false });
    if (imported.streams.length === 0 && imported.error) throw new Error(imported.error.message);
    const listings = imported.streams.map(({ stream, decoded }) => listingOf(stream, decoded!));
    const damage = imported.error && `The capture is damaged (${imported.error.code}): ${imported.error.message}. The streams read before it are listed.`;
    useCapture.setState({ listings, captureKeyLog: imported.keyLog, damage, truncated: imported.truncated?.message });
    useCapture.setState({ keyLogProblems: keyLog().problems });
    // The list is what to read next: the Connect form, open while nothing was shown, makes way for it.
    useTrace.getState().setShowConnect(false);
    if (imported.streams.length === 1) await openStream(imported.streams[0].stream.index);
    // Said after the only stream is opened (opening a stream starts the page afresh, its error line included).
    if (damage) useTrace.getState().setError(damage);
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
  const { file, name } = useCapture.getState();
  if (!file) return;
  useCapture.setState({ busy: true });
  try {
    const { importCapture, listingOf, CAPTURE_APP_DATA_WINDOW } = await decoder();
    const imported = await importCapture(chunksOf(file), { keyLog: keyLog(), verifier: await certificateVerifier(), decode: (i) => i === index, appDataWindow: CAPTURE_APP_DATA_WINDOW });
    const found = imported.streams.find((s) => s.stream.index === index);
    if (!found?.decoded) return;
    const { stream, decoded } = found;
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
export async function savePcapng(): Promise<void> {
  const { events } = useTrace.getState();
  const { exportPcapng } = await decoder();
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

/**
 * Hex pasted by the user (records or one message): decoded and shown like any trace. Hex that stops partway still has
 * what came before the problem shown; the problem (with its line and column) is then thrown for the page to say.
 */
export async function openPastedHex(text: string): Promise<void> {
  const { decodePastedText } = await decoder();
  const result = await decodePastedText(text, { keyLog: keyLog() });
  const decoded = result.decoding;
  if (decoded) {
    const events = [...decoded.events];
    for (const f of decoded.fingerprints) events.push({ kind: 'note', text: `ClientHello fingerprints: JA3 ${f.ja3} (${f.ja3Text}); JA4 ${f.ja4}`, index: events.length, t: 0, conn: 0 });
    useTrace.getState().loadReplay({ format: 'tls-lens-trace', version: 1, createdAt: new Date().toISOString(), events }, `pasted hex: ${result.bytes} bytes, ${decoded.what} from the ${decoded.direction}`);
  }
  if (result.error) throw new Error(result.error.message);
}
