// The page's capture controls, driven as a person does (key log added, capture opened, a stream picked), in this
// process: src/ui/capture/capture-file.ts with WebCrypto, the stores read afterwards. What the controls show when a
// call fails is CaptureControls.tsx's `report`: "<what>: <the error's message>".
import { expect } from 'vitest';
import type { TraceEvent } from '../../src/trace/types.ts';
import { addKeyLogFile, openCapture, openStream, useCapture } from '../../src/ui/capture/capture-file.ts';
import { useTrace } from '../../src/ui/store.ts';
import { checkPlain } from './fuzz-check.ts';

export interface PageView {
  /** The line the controls show when opening the capture failed. */
  failed?: string;
  damage?: string;
  listed: number;
  /** The stream opened, and its events. */
  opened?: number;
  events: TraceEvent[];
  rows: number;
  error?: string;
}

export async function pageOpen(bytes: Uint8Array, keyLog: string, pick: number): Promise<PageView> {
  useCapture.setState({ name: undefined, file: undefined, captureKeyLog: '', listings: [], keyLogText: '', keyLogProblems: [], selected: undefined, busy: false, damage: undefined });
  // The trace of the case before goes: a case that opens no stream must not show it.
  useTrace.getState().reset('replay', undefined, { source: 'none', status: 'idle' });
  if (keyLog) await addKeyLogFile(new File([keyLog], 'keys.log'));
  let failed: string | undefined;
  await openCapture(new File([bytes as Uint8Array<ArrayBuffer>], 'case.pcap')).catch((e: Error) => void (failed = `That capture could not be opened: ${e.message}`));
  const { listings, damage } = useCapture.getState();
  if (!failed && listings.length > 1) {
    const index = listings[pick % listings.length].index;
    await openStream(index).catch((e: Error) => void (failed = `That stream could not be decoded: ${e.message}`));
  }
  const t = useTrace.getState();
  return { failed, damage, listed: listings.length, opened: useCapture.getState().selected, events: t.events, rows: t.rows.length, error: t.error };
}

/** The page never fails but where nothing could be read, and says everything in plain words. */
export function checkPage(v: PageView, captureError: { message: string } | undefined, streams: number): void {
  if (v.failed) {
    // The one documented failure: the capture is damaged before its first stream.
    expect(streams, v.failed).toBe(0);
    expect(v.failed).toBe(`That capture could not be opened: ${captureError?.message}`);
  }
  checkPlain({ failed: v.failed, damage: v.damage, error: v.error, events: v.events }, 'the page');
  if (v.opened !== undefined) expect(v.rows).toBeGreaterThan(0);
}
