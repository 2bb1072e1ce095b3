// write() takes the caller's bytes before it returns: a caller that reuses its buffer right away must neither send
// nor trace different bytes (TLS 1.3 and 1.2, against Node's own TLS server echoing them back). Likewise read()
// hands out buffers of the caller's own: changing them leaves the trace (hex encoded when first read) as received.
// Under both crypto providers: node:crypto's seals the caller's bytes without a copy and hands out what it decrypted,
// and its trace decrypts the records again when read.
import { afterAll, expect, it } from 'vitest';
import { connectTls } from '../../src/tls/client.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { toHex } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { recorder } from './helpers.ts';
import { nodeEchoServers } from '../support/node-echo.ts';
import { usePki } from '../support/pki.ts';
import { describeEachProvider } from '../crypto/providers.ts';

const pki = usePki();
const echo = nodeEchoServers();
afterAll(() => echo.closeAll());

describeEachProvider((provider) => {
for (const version of ['TLS1.3', 'TLS1.2'] as const) {
  it(`${version}: bytes written, then the buffer zeroed at once, arrive and are traced as written; zeroing what read() gave keeps the trace`, async () => {
    const port = await echo.start(pki, { minVersion: 'TLSv1.2' });
    const rec = recorder();
    const conn = await connectTls(await connectTcp('127.0.0.1', port), { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, versions: [version] }, rec.emit);
    const original = new Uint8Array(41_000).map((_, i) => (i * 7 + 1) & 0xff);
    const buffer = original.slice();
    const sent = conn.write(buffer);
    buffer.fill(0);
    await sent;
    const echoed: Uint8Array[] = [];
    let n = 0;
    while (n < original.length) {
      const chunk = (await conn.read())!;
      echoed.push(chunk);
      n += chunk.length;
    }
    const back = new Uint8Array(n);
    let o = 0;
    for (const c of echoed) (back.set(c, o), (o += c.length));
    expect(toHex(back)).toBe(toHex(original));
    for (const c of echoed) c.fill(0);
    const tracedIn = rec.events.filter((e) => e.kind === 'app-data' && e.direction === 'server').map((e) => (e as { bytes: string }).bytes).join('');
    expect(tracedIn).toBe(toHex(original));
    const inRecords = rec.events.filter((e) => e.kind === 'record' && e.direction === 'server' && e.protection?.innerContentType === 23);
    expect(inRecords.map((e) => (e as { protection: { plaintext: string } }).protection.plaintext).join('')).toBe(toHex(original));
    const tracedOut = rec.events.filter((e) => e.kind === 'app-data' && e.direction === 'client').map((e) => (e as { bytes: string }).bytes).join('');
    expect(tracedOut).toBe(toHex(original));
    await conn.close();
  });

  it(`${version}: readCopies false hands out the engine's own bytes: the data and its trace arrive whole, with no copy made for the reader`, async () => {
    const port = await echo.start(pki, { minVersion: 'TLSv1.2' });
    const rec = recorder();
    const conn = await connectTls(await connectTcp('127.0.0.1', port), { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, versions: [version], readCopies: false }, rec.emit);
    const original = new Uint8Array(41_000).map((_, i) => (i * 5 + 3) & 0xff);
    await conn.write(original);
    const echoed: Uint8Array[] = [];
    for (let n = 0; n < original.length; ) {
      const chunk = (await conn.read())!;
      echoed.push(chunk);
      n += chunk.length;
    }
    expect(toHex(Buffer.concat(echoed))).toBe(toHex(original));
    const appData = rec.events.filter((e) => e.kind === 'app-data' && e.direction === 'server') as { bytes: string }[];
    // A write into what read() gave shows in the trace's hex not yet encoded unless the trace decrypts the record
    // again (node:crypto): proof that no copy was made, and why the option asks the caller never to write.
    echoed[0].fill(0);
    const decryptsAgain = provider.name === 'node';
    expect(appData[0].bytes === toHex(original.subarray(0, echoed[0].length))).toBe(decryptsAgain);
    expect(appData.slice(1).map((e) => e.bytes).join('')).toBe(toHex(original.subarray(echoed[0].length)));
    await conn.close();
  });
}
});
