// Saving and opening traces, and the NSS key log download. A trace opened from a file is also
// kept in this browser's storage so a link with #replay=ID reopens it without the file.
import { parseTraceFrame } from '../trace/recorder.ts';
import type { TraceFile } from '../trace/types.ts';
import { useTrace } from './store.ts';
import { engine } from './worker-client.ts';
import { keyLogFromEvents } from './keylog-source.ts';
import { writeUrlState } from './url-state.ts';
import { soundPart } from '../trace/trace-check.ts';
import { shownName } from './format.ts';

const STORE_PREFIX = 'tls-lens:replay:';

export function download(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function currentTraceFile(): TraceFile {
  const s = useTrace.getState();
  return { format: 'tls-lens-trace', version: 1, createdAt: new Date().toISOString(), target: s.target, events: s.events };
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
}

export async function saveTrace() {
  download(`tls-lens-trace-${stamp()}.json`, JSON.stringify(await fullTraceFile()), 'application/json');
}

/** The trace to save: a live session's summarised application data (see worker/app-data-window.ts) is
 * replaced by the full events the worker kept. */
async function fullTraceFile(): Promise<TraceFile> {
  const file = currentTraceFile();
  const s = useTrace.getState();
  if (s.source !== 'live' || !file.events.some((e) => (e.kind === 'record' || e.kind === 'app-data') && e.summarised)) return file;
  const full = await engine.fullTrace();
  if (!full) return file;
  return { ...file, events: file.events.map((e) => (e.kind === 'record' || e.kind === 'app-data') && e.summarised ? (full[e.index] ?? e) : e) };
}

export function saveKeyLog() {
  const text = keyLogFromEvents(useTrace.getState().events);
  download(`tls-lens-keylog-${stamp()}.txt`, text, 'text/plain');
}

function idFor(text: string): string {
  // FNV-1a over the text: a short stable id for the stored copy.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36);
}

/**
 * A trace from a file, as far as the views can show it: parsed, then each event's fields checked (trace-check.ts).
 * Throws a plain-words error when nothing can be shown; `problem` says what was left out otherwise.
 */
export function readTraceText(text: string, name: string): { file: TraceFile; problem?: string } {
  const sound = soundPart(parseTraceFrame(text));
  if (sound.problem && sound.file.events.length === 0) throw new Error(sound.problem);
  return { file: sound.file, problem: sound.problem && `“${shownName(name)}” is damaged part-way: ${sound.problem}.` };
}

/** Parse and load a trace for offline replay. Throws a plain-words error for a bad file; returns what was left out
 * of a file damaged part-way (the events before the damage are loaded). */
export function openTraceText(text: string, name: string): string | undefined {
  const { file, problem } = readTraceText(text, name);
  useTrace.getState().loadReplay(file, name);
  const id = idFor(text);
  try {
    localStorage.setItem(STORE_PREFIX + id, JSON.stringify({ name, text }));
    writeUrlState({ replay: id, scenario: undefined, target: undefined, step: 1 });
  } catch {
    writeUrlState({ replay: undefined, scenario: undefined, target: undefined });
  }
  return problem;
}

export async function openTraceFile(file: File): Promise<string | undefined> {
  return openTraceText(await file.text(), file.name);
}

/** Reload a trace stored under this id by an earlier open; false when it is not here. */
export function openStoredReplay(id: string): boolean {
  const raw = localStorage.getItem(STORE_PREFIX + id);
  if (!raw) return false;
  const { name, text } = JSON.parse(raw) as { name: string; text: string };
  const { file, problem } = readTraceText(text, name);
  useTrace.getState().loadReplay(file, name);
  if (problem) useTrace.getState().setError(problem);
  return true;
}
