// The third-party DSA code, in one module, loaded only when a DSA signature is first met (dsa.ts imports it): in the
// browser a lazy chunk, in the CLI a side bundle (scripts/build-cli.mjs, SIDE_MODULES), so no bundle's first chunk
// carries it. WebCrypto has no DSA. micro-rsa-dsa-dh (MIT, Paul Miller's, the author of @noble/*): FIPS 186-4 DSA
// on BigInt, on the same @noble/hashes the rest of TLS Lens uses. The node:crypto provider never comes here.
export { DSA } from 'micro-rsa-dsa-dh/dsa.js';
export { sha1 } from '@noble/hashes/legacy.js';
export { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
