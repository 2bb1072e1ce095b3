// The third-party RC4 and 3DES code, in one module, loaded only when a capture's session uses such a suite: in the
// browser with the lazy chunk legacy-cipher-loader.ts imports, in the CLI from a side bundle read when one of these
// exports is first used (scripts/build-cli.mjs, SIDE_MODULES), so neither the capture chunk nor a command bundle
// carries it. WebCrypto has neither cipher, and this runs in the browser as well as in Node:
// - RC4: crypto-js's streaming RC4 (CryptoJS.algo.RC4, MIT, no dependencies): its encryptor keeps RC4's state
//   from one call to the next, which is what TLS needs (the keystream runs on across a direction's records).
// - 3DES-EDE in CBC mode: des.js (MIT; Fedor Indutny's, the DES that browserify's crypto is built on).
/// <reference path="./legacy-cipher-libs.d.ts" />
import CryptoJS from 'crypto-js/core.js';
import 'crypto-js/rc4.js';
import des from 'des.js';

export type { WordArray, StreamCipher } from 'crypto-js/core.js';
export type { BlockCipher } from 'des.js';

/** crypto-js's RC4 and its byte container. */
export const rc4 = { algorithm: CryptoJS.algo.RC4, WordArray: CryptoJS.lib.WordArray };
/** des.js's 3DES-EDE (three keys) in CBC mode. */
export const tripleDesCbc = des.CBC.instantiate(des.EDE);
