// What the decoder learnt of one captured stream, for summaries (CLI --json, the stream list): version, suite,
// names, what stayed encrypted and what was lost. Its own module so that the decoder's parts (handshake-reader.ts,
// gap-recovery.ts) fill it in without importing the decoder.
import type { CaptureGap, Undecrypted } from './stream-direction.ts';

/** What the decoder learnt, for summaries (CLI --json, stream list). */
export interface DecodedSession {
  /** The version the ServerHello chose; TLS 1.0 and 1.1 are decrypted (AES-CBC, 3DES and RC4 suites), SSL 3.0 named and shown only. */
  version: '1.3' | '1.2' | LegacyVersion | null;
  cipherSuite: string | null;
  serverName: string | null;
  alpn: string | null;
  group: string | null;
  helloRetryRequest: boolean;
  resumed: boolean;
  renegotiations: number;
  keyUpdates: number;
  clientRandom: string | null;
  undecrypted: Undecrypted[];
  gaps: CaptureGap[];
  /** Key log lines used, by number. */
  keyLogLinesUsed: number[];
}

export type LegacyVersion = '1.1' | '1.0' | 'SSL 3.0';

/** Nothing learnt yet. */
export function newSession(): DecodedSession {
  return {
    version: null,
    cipherSuite: null,
    serverName: null,
    alpn: null,
    group: null,
    helloRetryRequest: false,
    resumed: false,
    renegotiations: 0,
    keyUpdates: 0,
    clientRandom: null,
    undecrypted: [],
    gaps: [],
    keyLogLinesUsed: [],
  };
}

/** "TLS 1.0", "SSL 3.0", ... */
export function versionName(version: NonNullable<DecodedSession['version']>): string {
  return version.startsWith('SSL') ? version : `TLS ${version}`;
}
