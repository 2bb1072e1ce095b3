// What the page's boot script (src/ui/boot/shell.ts, inlined in the built index.html's head) hands to the app. Before
// the app's scripts have loaded, the page already shows its first screen (prerendered at build time), the engine's
// worker is loading, the lab's files are being fetched, and a Connect press to a server starts the handshake at once.
// The app takes all of that over here: main.tsx calls takeBoot() before its first render, worker-client.ts gets the
// worker and the connection in flight.
import type { ConnectRequest, FromWorker } from '../worker/messages.ts';
import type { ConnectForm } from './connect-form.ts';
import type { LabFiles } from './lab.ts';

/** A connection the boot script started (its id, its request, what the worker said of it so far). */
export interface BootConnection {
  id: number;
  request: ConnectRequest;
  messages: FromWorker[];
  /** The lab's files when they had not arrived at the press: the app sends them on (as worker-client's connect does). */
  labFiles?: Promise<LabFiles>;
}

/** A focused control of the prerendered page: where it sits under #root (child indices), its text selection. */
export interface BootFocus {
  path: number[];
  selection?: [number, number];
}

/** What the boot script leaves to the app. */
export interface BootHandoff {
  worker: Worker | null;
  /** The prerendered first screen is in #root (the app replaces it with its own, identical, render). */
  shell: boolean;
  /** The Connect form's choices as the person left them (absent once a connection started). */
  form?: ConnectForm;
  connection?: BootConnection;
  /** Connect was pressed for a lab scenario before the lab list had loaded: the app connects once it has. */
  pressed: boolean;
  /** Buttons pressed before the app loaded (data-testid), to press again once it has. */
  clicks: string[];
  /** Files chosen in the page's file inputs (by data-testid), to hand to the app's inputs. */
  files: Record<string, FileList>;
  focus?: BootFocus;
  /** Which <details> under #root were open, in document order. */
  openDetails: boolean[];
}

/** The boot script's state on the page (window.tlsLensBoot). */
export interface BootState {
  worker: Worker | null;
  /** Early GETs by path: status and body (null: the request failed). */
  fetched: Record<string, Promise<{ status: number; text: string } | null>>;
  /** Stop the boot script's handlers and hand over (once). */
  takeOver(): BootHandoff;
}

declare global {
  interface Window {
    tlsLensBoot?: BootState;
  }
}

let handoff: BootHandoff | null = null;

/** The boot script's handoff, taken once (in development, or without a boot script: nothing to take). */
export function takeBoot(): BootHandoff {
  handoff ??= window.tlsLensBoot?.takeOver() ?? { worker: null, shell: false, pressed: false, clicks: [], files: {}, openDetails: [] };
  return handoff;
}

/** The worker the page's head started, once (null when there is none: in development, or already taken). */
export function adoptBootWorker(): Worker | null {
  const boot = takeBoot();
  const w = boot.worker;
  boot.worker = null;
  return w;
}

/** The boot script's early GET of `path`, once: its status and body, or null when it made none (fetch it then). */
export function takeBootFetch(path: string): Promise<{ status: number; text: string } | null> | null {
  const fetched = window.tlsLensBoot?.fetched;
  const p = fetched?.[path] ?? null;
  if (fetched) delete fetched[path];
  return p;
}
