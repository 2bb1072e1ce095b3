// The RC4 and 3DES record protection (legacy-cipher-keys.ts, and under it crypto-js and des.js), imported once, when
// a capture first has a session under one of those suites: a dynamic import, so the capture decoder's own chunk
// does not carry them. (The CLI bundles inline this import but keep the libraries in a side bundle that is read
// only then: scripts/build-cli.mjs, SIDE_MODULES.)
type Keys = typeof import('./legacy-cipher-keys.ts');

let keys: Promise<Keys> | undefined;

export const loadLegacyCipherKeys = (): Promise<Keys> => (keys ??= import('./legacy-cipher-keys.ts'));
