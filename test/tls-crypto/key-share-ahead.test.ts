// Ephemeral key shares made ahead (takeFreshKeyShare): the next connection's key pair is made while the host is
// idle, and every key pair goes to one connection only, never two (RFC 8446 §4.2.8; forward secrecy).
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keepKeySharesAhead, takeFreshKeyShare } from '../../src/crypto/key-exchange.ts';
import { cryptoProvider, setCryptoProvider, type CryptoProvider, type EcdhGroup } from '../../src/crypto/provider.ts';
import { connectTls } from '../../src/tls/client.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { toHex } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { expectEcho, nodeEchoServers } from '../support/node-echo.ts';
import { usePki } from '../support/pki.ts';
import { describeEachProvider } from '../crypto/providers.ts';
import { recorder } from '../tls/helpers.ts';

/** The active provider, recording the public key of every key pair it generates (the real keys, in order). */
function recordingProvider(inner: CryptoProvider): { provider: CryptoProvider; generated: string[] } {
  const generated: string[] = [];
  const provider: CryptoProvider = {
    ...inner,
    keyExchange: {
      ...inner.keyExchange,
      async generate(group: EcdhGroup) {
        const pair = await inner.keyExchange.generate(group);
        generated.push(toHex(pair.publicKey));
        return pair;
      },
    },
  };
  return { provider, generated };
}

/** Long enough for the refill timer and the key generation it starts to finish. */
const idle = () => new Promise((r) => setTimeout(r, 50));

// Off by default outside a browser Worker (a CLI makes one connection): on for these tests, as a Worker has it.
beforeEach(() => keepKeySharesAhead(true));

describeEachProvider((inner) => {
  let restore: CryptoProvider | undefined;
  afterEach(async () => {
    // A refill a test started finishes under that test's provider, and is then dropped.
    await idle();
    if (restore) setCryptoProvider(restore);
    restore = undefined;
    keepKeySharesAhead(false);
  });
  const install = () => {
    const r = recordingProvider(inner);
    restore = setCryptoProvider(r.provider);
    return r;
  };

  for (const group of ['x25519', 'secp256r1', 'secp384r1'] as const) {
    it(`${group}: the next share is made ahead, and each key pair goes to one connection only`, async () => {
      const { generated } = install();
      const first = toHex((await takeFreshKeyShare(group)).publicKey);
      await idle();
      // One made for the first connection, one made ahead for the next.
      expect(generated).toHaveLength(2);
      expect(generated).toContain(first);
      const madeAhead = generated.find((g) => g !== first);
      const second = toHex((await takeFreshKeyShare(group)).publicKey);
      expect(second).toBe(madeAhead);
      await idle();
      const third = toHex((await takeFreshKeyShare(group)).publicKey);
      expect(third).toBe(generated[2]);
      expect(new Set([first, second, third]).size).toBe(3);
    });
  }

  it('connections asking at once each get a different key pair (the spare goes to one of them)', async () => {
    const { generated } = install();
    const first = toHex((await takeFreshKeyShare('x25519')).publicKey);
    await idle();
    const shares = await Promise.all([1, 2, 3, 4, 5].map(() => takeFreshKeyShare('x25519')));
    const keys = shares.map((s) => toHex(s.publicKey));
    expect(new Set(keys).size).toBe(5);
    // None of them is the first connection's key, and each came from its own generation. (The first key by name,
    // not as generated[0]: on a loaded machine the previous test's refill can land after this test's provider is in.)
    expect(keys).not.toContain(first);
    for (const k of keys) expect(generated.filter((g) => g === k)).toHaveLength(1);
  });

  it('a host that keeps no shares ahead (the default outside a Worker) makes one key pair per connection, no spare', async () => {
    keepKeySharesAhead(false);
    const { generated } = install();
    const share = await takeFreshKeyShare('x25519');
    await idle();
    expect(generated).toEqual([toHex(share.publicKey)]);
  });

  it('a spare made by another provider is never handed out', async () => {
    await takeFreshKeyShare('x25519');
    await idle(); // a spare from the provider active before this one was installed
    const { generated } = install();
    const share = await takeFreshKeyShare('x25519');
    expect(generated).toContain(toHex(share.publicKey));
  });
});

describe('real handshakes with shares made ahead', () => {
  const pki = usePki();
  const servers = nodeEchoServers();
  afterAll(async () => {
    keepKeySharesAhead(false);
    await servers.closeAll();
  });

  it('successive connections to a Node tls server offer different key shares and all complete', async () => {
    expect(cryptoProvider().name).toBe('webcrypto');
    const port = await servers.start(pki, { minVersion: 'TLSv1.3' });
    const offered: string[] = [];
    for (let i = 0; i < 3; i++) {
      const rec = recorder();
      const conn = await connectTls(await connectTcp('127.0.0.1', port), { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000 }, rec.emit);
      const exchange = rec.events.find((e) => e.kind === 'key-exchange') as { clientShare: string; sharedSecret: string } | undefined;
      expect(exchange).toBeDefined();
      offered.push(exchange!.clientShare);
      await expectEcho(conn, `connection ${i}`);
      await conn.close();
      await idle();
    }
    expect(new Set(offered).size).toBe(3);
  });
});
