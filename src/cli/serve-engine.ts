// The seam between `tls-lens serve` and the server engine (acceptTls in src/tls/server.ts, written on the `server`
// branch). The types are the engine's public API as docs/architecture.md ("Server side") writes it, narrowed to
// what serve uses; the engine is loaded when serve starts, so this command builds before the engine is merged and
// says so plainly when it is missing.
import type { Emit } from '../trace/recorder.ts';
import type { Transport } from '../transport/types.ts';
import { CliError, EXIT } from './errors.ts';

export interface ServeCertificate {
  chain: Uint8Array[];
  key: CryptoKey | Uint8Array;
}

export interface ServeEngineOptions {
  certificates: ServeCertificate[];
  versions: ('TLS1.2' | 'TLS1.3')[];
  suites?: string[];
  groups: string[];
  alpn?: string[];
  clientAuth: 'none' | 'request' | 'require';
  clientTrustAnchors?: Uint8Array[];
  numTickets: number;
  recorder: Emit;
  timeoutMs: number;
  ticketKeys?: unknown;
  sessionCache?: unknown;
}

export interface ServeConnection {
  read(): Promise<Uint8Array | null>;
  write(data: Uint8Array): Promise<void>;
  close(): Promise<void>;
  keyUpdate(requestPeer: boolean): Promise<void>;
  renegotiate(): Promise<void>;
  summary: { version?: string | null; cipherSuite?: string | null; group?: string | null; alpn?: string | null; sni?: string | null; resumed?: boolean; helloRetryRequest?: boolean };
}

export type AcceptTls = (transport: Transport, options: ServeEngineOptions) => Promise<ServeConnection>;

// A variable, not a literal: the module is resolved when serve runs, not when this file is type-checked.
const ENGINE_MODULE = '../tls/server.ts';

export async function loadAcceptTls(): Promise<AcceptTls> {
  let mod: { acceptTls?: AcceptTls };
  try {
    mod = (await import(/* @vite-ignore */ ENGINE_MODULE)) as { acceptTls?: AcceptTls };
  } catch (e) {
    throw new CliError('INTERNAL_ERROR', `the server engine (src/tls/server.ts) is not in this build: ${(e as Error).message}`, EXIT.failed);
  }
  if (typeof mod.acceptTls !== 'function') throw new CliError('INTERNAL_ERROR', 'src/tls/server.ts has no acceptTls function', EXIT.failed);
  return mod.acceptTls;
}
