// The key schedule starts some derivations early (master secret, finished keys, the other
// direction's write keys, exporter secret). Results and trace order must not depend on it:
// RFC 8448 §3 values with the callers' order reversed, and the exact order of key events.
import { describe, expect, it } from 'vitest';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { KeyScheduleEvent } from '../../src/trace/types.ts';
import { fromHex, toHex } from '../../src/util/bytes.ts';
import { digest, hmac } from '../../src/crypto/hash.ts';
import { deriveSecret, hkdfExtract } from '../../src/crypto/hkdf.ts';
import { importKeyShare } from '../../src/crypto/key-exchange.ts';
import { EarlyStage13, type HandshakeStage13 } from '../../src/tls/key-schedule/key-schedule13.ts';
import { S3 } from './rfc8448.fixture.ts';
import { describeEachProvider } from '../crypto/providers.ts';

const h = fromHex;

/** The handshake stage of RFC 8448 §3 and its traffic secrets. */
async function toHandshakeSecrets(emit?: Parameters<typeof EarlyStage13.withoutPsk>[1]): Promise<{ ks: HandshakeStage13; hs: { client: Uint8Array; server: Uint8Array } }> {
  const early = await EarlyStage13.withoutPsk('SHA-256', emit);
  const client = await importKeyShare('x25519', h(S3.clientPrivate));
  const ks = await early.handshake(await client.computeSharedSecret(h(S3.serverPublic)));
  return { ks, hs: await ks.trafficSecrets(h(S3.hashClientHelloServerHello)) };
}

describeEachProvider((_provider) => {
  describe('key schedule work started ahead', () => {
    it('gives RFC 8448 values when the client keys are asked for before the server keys, twice', async () => {
      for (let round = 0; round < 2; round++) {
        const { ks, hs } = await toHandshakeSecrets();
        const clientHs = await ks.trafficKeys(hs.client, 16, 'client_handshake');
        const serverHs = await ks.trafficKeys(hs.server, 16, 'server_handshake');
        expect([toHex(clientHs.key), toHex(clientHs.iv)]).toEqual([S3.clientHandshakeKey, S3.clientHandshakeIv]);
        expect([toHex(serverHs.key), toHex(serverHs.iv)]).toEqual([S3.serverHandshakeKey, S3.serverHandshakeIv]);
        // Asked again (no prefetch left): the same answer.
        expect(toHex((await ks.trafficKeys(hs.server, 16)).key)).toBe(S3.serverHandshakeKey);
        expect(toHex(await ks.finishedKey(hs.client))).toBe(S3.clientFinishedKey);
        expect(toHex(await ks.finishedKey(hs.client))).toBe(S3.clientFinishedKey);
        const master = await ks.master();
        expect(toHex(master.secret)).toBe(S3.masterSecret);
        const ap = await master.applicationTrafficSecrets(h(S3.hashThroughServerFinished));
        expect(toHex(ap.client)).toBe(S3.clientApplicationTrafficSecret);
        expect(toHex(await master.exporterMasterSecret(h(S3.hashThroughServerFinished)))).toBe(S3.exporterMasterSecret);
      }
    });

    it('computes the exporter secret over the hash it is given, not the one started ahead', async () => {
      const { ks } = await toHandshakeSecrets();
      const master = await ks.master();
      await master.applicationTrafficSecrets(h(S3.hashThroughServerFinished));
      const other = new Uint8Array(32).fill(7);
      expect(toHex(await master.exporterMasterSecret(other))).not.toBe(S3.exporterMasterSecret);
    });

    it('gives the client Finished over the hash it is given (client auth changes it), and the application keys', async () => {
      const { ks, hs } = await toHandshakeSecrets();
      await ks.trafficKeys(hs.server, 16);
      const master = await ks.master();
      const ap = await master.applicationTrafficSecrets(h(S3.hashThroughServerFinished));
      const otherHash = new Uint8Array(32).fill(9); // as if a client Certificate/CertificateVerify followed
      const expectedOther = await hmac('SHA-256', h(S3.clientFinishedKey), otherHash);
      expect(toHex(await master.finishedVerifyData(hs.client, otherHash, 'client'))).toBe(toHex(expectedOther));
      expect(toHex(await master.finishedVerifyData(hs.client, h(S3.hashThroughServerFinished), 'client'))).toBe(S3.clientVerifyData);
      expect(toHex((await master.trafficKeys(ap.client, 16)).key)).toBe(S3.clientApplicationKey);
      expect(toHex((await master.trafficKeys(ap.server, 16)).iv)).toBe(S3.serverApplicationIv);
    });

    it('derives an external PSK binder key although a resumption one was started ahead', async () => {
      const psk = new Uint8Array(32).fill(5);
      const early = await hkdfExtract('SHA-256', new Uint8Array(32), psk);
      const emptyHashValue = await digest('SHA-256', new Uint8Array(0));
      for (const kind of ['ext', 'res'] as const) {
        const ks = await EarlyStage13.withPsk('SHA-256', psk);
        expect(toHex(ks.secret)).toBe(toHex(early));
        expect(toHex(await ks.binderKey(kind))).toBe(toHex(await deriveSecret('SHA-256', early, `${kind} binder`, emptyHashValue)));
      }
    });

    it('reports key events in the order the derivations were asked for', async () => {
      const trace = new TraceRecorder(() => 0);
      const { ks, hs } = await toHandshakeSecrets(trace.emit);
      await ks.trafficKeys(hs.server, 16, 'server_handshake');
      const master = await ks.master();
      await ks.finishedVerifyData(hs.server, new Uint8Array(32), 'server');
      await master.applicationTrafficSecrets(h(S3.hashThroughServerFinished));
      await master.exporterMasterSecret(h(S3.hashThroughServerFinished));
      await ks.trafficKeys(hs.client, 16, 'client_handshake');
      const names = trace.events.filter((e): e is KeyScheduleEvent => e.kind === 'key').map((e) => e.name);
      expect(names).toEqual([
        'early_secret',
        'derived_secret_for_handshake',
        'handshake_secret',
        'client_handshake_traffic_secret',
        'server_handshake_traffic_secret',
        'server_handshake_write_key',
        'server_handshake_write_iv',
        'derived_secret_for_master',
        'master_secret',
        'server_finished_key',
        'server_verify_data',
        'client_application_traffic_secret_0',
        'server_application_traffic_secret_0',
        'exporter_master_secret',
        'client_handshake_write_key',
        'client_handshake_write_iv',
      ]);
    });
  });
});
