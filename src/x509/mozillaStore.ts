// The Mozilla root store (generated from Node's tls.rootCertificates), decoded once. A module of its own because
// importing it brings in the 206 KB of roots: code that may not need them (the browser's verifier, whose
// connections often name their own anchor) loads it with import() when it does.
import { MOZILLA_ROOTS_BASE64 } from './mozillaRoots.generated.ts';
import { TrustStore } from './trustStore.ts';

function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

let mozilla: TrustStore | undefined;

/** The 144 roots, decoded on the first call (the costly part: ~200 ms in a cold process) and kept. */
export function mozillaTrustStore(): TrustStore {
  mozilla ??= new TrustStore(MOZILLA_ROOTS_BASE64.map(base64ToBytes));
  return mozilla;
}

/** Whether the roots have been decoded in this process (they should not be when the caller's anchors suffice). */
export function mozillaTrustStoreDecoded(): boolean {
  return mozilla !== undefined;
}
