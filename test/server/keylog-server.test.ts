// The key log built from our server's trace (src/tls/keylog.ts) names the same secrets as the key log OpenSSL's
// client writes for the same connection (-keylogfile): both versions, so Wireshark/tshark can open our server's
// traffic with it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyLogLines } from '../../src/tls/keylog.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { usePki } from '../support/pki.ts';
import { listenersStoppedAfterEach } from './support/listener.ts';
import { sClient } from './support/s-client.ts';
import { serverCertificates } from './support/server-pki.ts';

const pki = usePki();
const startListener = listenersStoppedAfterEach();

describe('key log from the server trace', () => {
  it.each(['-tls1_3', '-tls1_2'])('%s: the same lines as openssl s_client -keylogfile', async (flag) => {
    const trace = new TraceRecorder(() => 0);
    const listener = await startListener(() => ({ certificates: [serverCertificates(pki).p256], recorder: trace.emit, timeoutMs: 10_000 }));
    const file = path.join(pki.dir, `keylog${flag}.txt`);
    await sClient(listener.port, [flag, '-keylogfile', file, '-CAfile', pki.rootPem], ['x']);
    await listener.settled(1);
    const theirs = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).sort();
    const ours = keyLogLines(trace.events).sort();
    expect(theirs.length).toBeGreaterThan(0);
    expect(ours).toEqual(theirs);
  });
});
