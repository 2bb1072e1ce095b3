// Which crypto provider each command's bundle carries (scripts/build-cli.mjs): the engine commands install
// node:crypto first thing and leave WebCrypto out (src/cli/webcrypto-left-out.ts stands in); the certificate
// commands keep WebCrypto, whose results the browser shows. An engine command still runs (decode, no server).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/tls-lens.js');
const CACHED = path.join(ROOT, 'dist-cli/cached');
// Text only the WebCrypto provider has (the key format of its ChaCha20-Poly1305 import: a string, which the
// build's minified names leave as it is), and only the stand-in.
const WEBCRYPTO_MARK = 'raw-secret';
const STAND_IN_MARK = 'left out of this bundle';

describe('tls-lens bundles and crypto providers', () => {
  it('leaves WebCrypto out of the engine commands and keeps it in verify and limbo', () => {
    // Any run builds dist-cli/ first when it is stale; this one also shows an engine bundle working without it.
    const out = JSON.parse(execFileSync('node', [BIN, 'decode', '15030300020228', '--json'], { encoding: 'utf8', timeout: 60_000 }));
    expect(out.events.length).toBeGreaterThan(0);
    const index = JSON.parse(fs.readFileSync(path.join(CACHED, 'index.json'), 'utf8')) as Record<string, string>;
    const bundle = (name: string) => fs.readFileSync(path.join(CACHED, index[name]), 'latin1');
    for (const name of ['connect', 'serve', 'pcap', 'decode']) {
      expect(bundle(name), name).not.toContain(WEBCRYPTO_MARK);
      expect(bundle(name), name).toContain(STAND_IN_MARK);
    }
    for (const name of ['verify', 'limbo']) {
      expect(bundle(name), name).toContain(WEBCRYPTO_MARK);
      expect(bundle(name), name).not.toContain(STAND_IN_MARK);
    }
  });
});
