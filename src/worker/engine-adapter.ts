// The one place the worker touches the engine: builds the engine's options from a
// ConnectRequest, runs STARTTLS if asked, and performs the handshake.
import type { Transport } from '../transport/types.ts';
import type { TraceRecorder } from '../trace/recorder.ts';
import type { ConnectRequest } from './messages.ts';

export type BreakDecision = 'continue' | 'abort' | 'decline' | { clientCertificate: 'lab' };

export interface BreakInfo {
  breakpoint: string;
  detail?: string;
}

export interface EngineSession {
  write(data: Uint8Array): Promise<void>;
  read(): Promise<Uint8Array | null>;
  keyUpdate(requestPeer: boolean): Promise<void>;
  close(): Promise<void>;
}

export async function runEngine(
  _request: ConnectRequest,
  _transport: Transport,
  _recorder: TraceRecorder,
  _onBreak: (info: BreakInfo) => Promise<BreakDecision>,
): Promise<EngineSession> {
  throw new Error('the TLS engine is not available in this build yet');
}
