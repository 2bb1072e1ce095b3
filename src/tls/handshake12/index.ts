// The TLS 1.2 client as the rest of the engine sees it: which versions to offer, TLS 1.2's part of a ClientHello,
// and loadTls12(), which brings in the handshake itself (./tls12-client.ts) only when a connection needs it.
import { fail, TlsError } from '../errors.ts';
import type { TlsClientOptions } from '../handshake/options.ts';
import { ExtensionType } from '../messages/constants.ts';
import { findExtension } from '../messages/extensions.ts';
import type { ServerHello } from '../messages/handshake.ts';
import { suiteByCode, suiteByName } from '../suites.ts';
import { DEFAULT_TLS12_SUITES, suite12ByCode, suite12ByName, type Tls12Suite } from '../suites12.ts';
import type { Tls12Config } from './context12.ts';
import { isTls12Session } from './session12.ts';

export type { Handshake12, Tls12Connection } from './connection12.ts';
export { tls12HelloParts, type Tls12HelloParts } from './client-hello12.ts';
export type { Tls12Session } from './session12.ts';
export { isTls12Session } from './session12.ts';
export type { Tls12Config } from './context12.ts';

/** True when a `suites` entry names a TLS 1.2 suite (and no TLS 1.3 one). */
export function isTls12SuiteRef(s: string | number): boolean {
  const is13 = typeof s === 'number' ? !!suiteByCode(s) : !!suiteByName(s);
  const is12 = typeof s === 'number' ? !!suite12ByCode(s) : !!suite12ByName(s);
  return is12 && !is13;
}

export interface VersionPlan {
  offerTls13: boolean;
  /** Null when TLS 1.2 is not offered. */
  tls12: Tls12Config | null;
}

/**
 * Which versions this connection offers. Default: both in one ClientHello (as browsers and s_client do), so
 * TLS 1.2-only servers work out of the box; TLS 1.3 only when every named suite is a TLS 1.3 suite; TLS 1.2 only
 * when every named suite is a TLS 1.2 suite or the session to resume is a TLS 1.2 one; `versions` says it outright.
 */
export function planVersions(o: TlsClientOptions): VersionPlan {
  const named = o.suites ?? [];
  const only12 = (named.length > 0 && named.every(isTls12SuiteRef)) || isTls12Session(o.session);
  const some12 = named.some(isTls12SuiteRef);
  const only13 = named.length > 0 && !some12;
  const versions = o.versions ?? (only12 ? ['TLS1.2'] : only13 ? ['TLS1.3'] : ['TLS1.3', 'TLS1.2']);
  if (versions.length === 0) throw new TlsError('BAD_OPTION', 'no TLS version to offer');
  for (const v of versions) if (v !== 'TLS1.2' && v !== 'TLS1.3') throw new TlsError('BAD_OPTION', `unknown TLS version ${String(v)} (TLS1.2 or TLS1.3)`);
  if (!versions.includes('TLS1.2')) return { offerTls13: true, tls12: null };
  const picked12 = named.filter(isTls12SuiteRef);
  if (named.length > 0 && picked12.length === 0 && !versions.includes('TLS1.3')) throw new TlsError('BAD_OPTION', 'only TLS 1.3 cipher suites were named, but TLS 1.3 is not offered');
  const suites: Tls12Suite[] = picked12.length
    ? picked12.map((s) => (typeof s === 'number' ? suite12ByCode(s) : suite12ByName(s))!)
    : DEFAULT_TLS12_SUITES.map((c) => suite12ByCode(c)!);
  return { offerTls13: versions.includes('TLS1.3'), tls12: { suites, offerTls13: versions.includes('TLS1.3'), sessionTickets: true } };
}

/** TLS 1.2's handshake code, as loadTls12() gives it. */
export type Tls12Client = typeof import('./tls12-client.ts');

let tls12Client: Promise<Tls12Client> | undefined;

/**
 * The TLS 1.2 handshake code, loaded once (a dynamic import: its own chunk in the browser's worker, a file or a part
 * of the bundle in Node). A failed load fails the connection that needed it with internal_error and a plain message;
 * the next one tries again.
 */
export function loadTls12(): Promise<Tls12Client> {
  return (tls12Client ??= import('./tls12-client.ts').catch((e: unknown) => {
    tls12Client = undefined;
    throw fail.internal(`the TLS 1.2 handshake code could not be loaded (${(e as Error)?.message || String(e)}); the next connection tries again`);
  }));
}

/**
 * Whether a ServerHello may be choosing TLS 1.2: it has no supported_versions, which every TLS 1.3 ServerHello and
 * HelloRetryRequest carries (RFC 8446 §4.2.1). The TLS 1.2 code's selectsTls12 makes the full check.
 */
export function mayChooseTls12(sh: ServerHello): boolean {
  return !findExtension(sh.extensions, ExtensionType.supported_versions);
}
