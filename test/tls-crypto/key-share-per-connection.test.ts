// Every ephemeral key pair is made for one connection, when the message that carries it is made (RFC 8446 §4.2.8;
// forward secrecy): the TLS 1.3 ClientHello's before the ClientHello is traced, TLS 1.2's for the ClientKeyExchange
// once the server's key exchange is read. Nothing is made ahead or while waiting for the server (see
// src/tls/handshake/key-share.ts). Real handshakes against Node's tls server, under each crypto provider.
import { afterAll, afterEach, expect, it } from 'vitest';
import { setCryptoProvider, type CryptoProvider, type EcdhGroup } from '../../src/crypto/provider.ts';
import { connectTls } from '../../src/tls/client.ts';
import type { TraceRecorder } from '../../src/trace/recorder.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { toHex } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { describeEachProvider } from '../crypto/providers.ts';
import { expectEcho, nodeEchoServers } from '../support/node-echo.ts';
import { usePki } from '../support/pki.ts';
import { recorder } from '../tls/helpers.ts';

const pki = usePki();
const servers = nodeEchoServers();
afterAll(async () => {
  await servers.closeAll();
});

describeEachProvider((inner) => {
  let restore: CryptoProvider | undefined;
  afterEach(() => {
    if (restore) setCryptoProvider(restore);
    restore = undefined;
  });

  /** Every key pair the provider generates, with how many trace events `rec` held when it was asked for. */
  const recordGenerated = (rec: () => TraceRecorder) => {
    const generated: { publicKey: string; eventsSoFar: number }[] = [];
    restore = setCryptoProvider({
      ...inner,
      keyExchange: {
        ...inner.keyExchange,
        async generate(group: EcdhGroup) {
          const eventsSoFar = rec().events.length;
          const pair = await inner.keyExchange.generate(group);
          generated.push({ publicKey: toHex(pair.publicKey), eventsSoFar });
          return pair;
        },
      },
    });
    return generated;
  };

  it('TLS 1.3: each connection makes one key pair, before its ClientHello is traced, and offers it', async () => {
    const port = await servers.start(pki, { minVersion: 'TLSv1.3' });
    let rec = recorder();
    const generated = recordGenerated(() => rec);
    const offered: string[] = [];
    for (let i = 0; i < 3; i++) {
      rec = recorder();
      const conn = await connectTls(await connectTcp('127.0.0.1', port), { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000 }, rec.emit);
      await expectEcho(conn, `connection ${i}`);
      await conn.close();
      const firstClientRecord = rec.events.findIndex((e) => e.kind === 'record' && e.direction === 'client');
      expect(generated).toHaveLength(i + 1);
      // Asked for with fewer events than the index of our first record: before that record was traced.
      expect(generated[i].eventsSoFar).toBeLessThanOrEqual(firstClientRecord);
      offered.push((rec.events.find((e) => e.kind === 'key-exchange') as { clientShare: string }).clientShare);
    }
    expect(offered).toEqual(generated.map((g) => g.publicKey));
    expect(new Set(offered).size).toBe(3);
  });

  it("TLS 1.2: the one key pair is made once the server's key exchange is read, and is the one sent", async () => {
    const rec = recorder();
    const generated = recordGenerated(() => rec);
    const port = await servers.start(pki, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
    const conn = await connectTls(await connectTcp('127.0.0.1', port), { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000, versions: ['TLS1.2'], suites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'] }, rec.emit);
    await expectEcho(conn, 'after the handshake');
    await conn.close();
    const serverKeyExchange = rec.events.findIndex((e) => e.kind === 'handshake' && e.name === 'ServerKeyExchange');
    const exchange = rec.events.find((e) => e.kind === 'key-exchange') as { clientShare: string } | undefined;
    expect(serverKeyExchange).toBeGreaterThan(0);
    expect(generated).toHaveLength(1);
    expect(generated[0].eventsSoFar).toBeGreaterThan(serverKeyExchange);
    expect(exchange?.clientShare).toBe(generated[0].publicKey);
  });
});
