// TLS 1.2: our ECDHE key pair is made while the server's flight is on its way (prepareKeyShareWhileWaiting), not
// after its ServerKeyExchange: one key pair per handshake, made before the first server record was read, and the
// one the ClientKeyExchange carries. Against Node's own tls server, under each crypto provider.
import { afterAll, afterEach, expect, it } from 'vitest';
import { keepKeySharesAhead } from '../../src/crypto/key-exchange.ts';
import { setCryptoProvider, type CryptoProvider, type EcdhGroup } from '../../src/crypto/provider.ts';
import { toHex } from '../../src/util/bytes.ts';
import { describeEachProvider } from '../crypto/providers.ts';
import { expectEcho, nodeEchoServers } from '../support/node-echo.ts';
import { usePki } from '../support/pki.ts';
import { recorder } from '../tls/helpers.ts';
import { connect12 } from './helpers12.ts';

const pki = usePki();
const echoServers = nodeEchoServers();
afterAll(async () => {
  await echoServers.closeAll();
});

describeEachProvider((inner) => {
  let restore: CryptoProvider | undefined;
  afterEach(() => {
    if (restore) setCryptoProvider(restore);
    restore = undefined;
  });

  it('the key pair is made during the wait for the server, once, and is the one sent', async () => {
    keepKeySharesAhead(false); // as a CLI has it: no spare from an earlier connection
    const rec = recorder();
    const generated: { publicKey: string; eventsSoFar: number }[] = [];
    restore = setCryptoProvider({
      ...inner,
      keyExchange: {
        ...inner.keyExchange,
        async generate(group: EcdhGroup) {
          const eventsSoFar = rec.events.length;
          const pair = await inner.keyExchange.generate(group);
          generated.push({ publicKey: toHex(pair.publicKey), eventsSoFar });
          return pair;
        },
      },
    });
    const port = await echoServers.start(pki, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
    const { conn } = await connect12(pki, port, { suites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'] }, rec);
    await expectEcho(conn, 'after the handshake');
    await conn.close();
    const firstServerRecord = rec.events.findIndex((e) => e.kind === 'record' && e.direction === 'server');
    const exchange = rec.events.find((e) => e.kind === 'key-exchange') as { clientShare: string } | undefined;
    expect(generated).toHaveLength(1);
    expect(generated[0].eventsSoFar).toBeLessThanOrEqual(firstServerRecord);
    expect(exchange?.clientShare).toBe(generated[0].publicKey);
  });
});
