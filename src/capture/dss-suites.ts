// The DHE_DSS suites of old peers (TLS_DHE_DSS_WITH_AES_128_CBC_SHA, ..._AES_256_GCM_SHA384, ...): TLS Lens never
// negotiates them, so the engine's table (src/tls/suites12.ts) lacks them, but each is its DHE_RSA twin with a DSA
// certificate: the same ServerDHParams (RFC 5246 §7.4.3), key block, cipher, MAC and PRF. A capture of one is read with
// the twin's record protection under the suite's own name and code; its signatures are DSA's (legacy-signatures.ts).
// (The 3DES DHE_DSS suite is among legacy-cipher-suites.ts's.)
import { IANA_SUITE_NAMES, suite12ByCode, type Tls12Suite } from './engine.ts';

/** The DHE_DSS suite with this code, as its DHE_RSA twin's parameters; undefined for any other code. */
export function dssSuite12(code: number): Tls12Suite | undefined {
  const name = IANA_SUITE_NAMES[code];
  if (!name?.startsWith('TLS_DHE_DSS_WITH_')) return undefined;
  const twinName = name.replace('TLS_DHE_DSS_', 'TLS_DHE_RSA_');
  const twinCode = Object.keys(IANA_SUITE_NAMES).map(Number).find((c) => IANA_SUITE_NAMES[c] === twinName);
  const twin = twinCode === undefined ? undefined : suite12ByCode(twinCode);
  return twin && { ...twin, code, name };
}
