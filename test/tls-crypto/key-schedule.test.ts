// RFC 8448 §3 and §4 through the HKDF primitives, the key schedule, the transcript and X25519.
import { describe, expect, it } from 'vitest';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import type { KeyScheduleEvent, TranscriptEvent } from '../../src/trace/types.ts';
import { fromHex, toHex } from '../../src/util/bytes.ts';
import { digest, hmac } from '../../src/crypto/hash.ts';
import { deriveSecret, hkdfExpand, hkdfExpandLabel, hkdfExtract, hkdfLabel } from '../../src/crypto/hkdf.ts';
import { importKeyShare } from '../../src/crypto/key-exchange.ts';
import { EarlyStage13, HandshakeStage13, MasterStage13, PskEarlyStage13, TrafficSecretUse13 } from '../../src/tls/key-schedule/key-schedule13.ts';
import { Transcript } from '../../src/tls/transcript.ts';
import { S3, S4 } from './rfc8448.fixture.ts';
import { describeEachProvider } from '../crypto/providers.ts';

const h = fromHex;

describeEachProvider((_provider) => {
  describe('HKDF built from HMAC', () => {
    it('matches RFC 5869 test case 1 (SHA-256)', async () => {
      const ikm = h('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b');
      const prk = await hkdfExtract('SHA-256', h('000102030405060708090a0b0c'), ikm);
      expect(toHex(prk)).toBe('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
      const okm = await hkdfExpand('SHA-256', prk, h('f0f1f2f3f4f5f6f7f8f9'), 42);
      expect(toHex(okm)).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
    });

    it('expands to lengths that are not a multiple of the hash and refuses impossible ones', async () => {
      const prk = new Uint8Array(32).fill(7);
      const long = await hkdfExpand('SHA-384', prk, new Uint8Array(0), 100);
      expect(long.length).toBe(100);
      expect(toHex((await hkdfExpand('SHA-384', prk, new Uint8Array(0), 48)))).toBe(toHex(long.subarray(0, 48)));
      await expect(hkdfExpand('SHA-256', prk, new Uint8Array(0), 255 * 32 + 1)).rejects.toThrow(/out of range/);
    });

    it('builds the HkdfLabel info bytes of RFC 8448', () => {
      expect(toHex(hkdfLabel('key', new Uint8Array(0), 16))).toBe(S3.keyInfo);
      expect(toHex(hkdfLabel('iv', new Uint8Array(0), 12))).toBe(S3.ivInfo);
      expect(toHex(hkdfLabel('c hs traffic', h(S3.hashClientHelloServerHello), 32))).toBe(S3.cHsTrafficInfo);
    });

    it('derives the RFC 8448 §3 secrets with the bare functions', async () => {
      const early = await hkdfExtract('SHA-256', null, new Uint8Array(32));
      expect(toHex(early)).toBe(S3.earlySecret);
      const empty = await digest('SHA-256', new Uint8Array(0));
      expect(toHex(hkdfLabel('derived', empty, 32))).toBe(S3.derivedInfo);
      const derived = await deriveSecret('SHA-256', early, 'derived', empty);
      expect(toHex(derived)).toBe(S3.derivedForHandshake);
      const hs = await hkdfExtract('SHA-256', derived, h(S3.sharedSecret));
      expect(toHex(hs)).toBe(S3.handshakeSecret);
      const key = await hkdfExpandLabel('SHA-256', h(S3.serverHandshakeTrafficSecret), 'key', new Uint8Array(0), 16);
      expect(toHex(key)).toBe(S3.serverHandshakeKey);
      // HMAC with an empty key equals HMAC with a zero byte (WebCrypto refuses empty keys).
      expect(toHex(await hmac('SHA-256', new Uint8Array(0), h('00')))).toBe(toHex(await hmac('SHA-256', new Uint8Array(1), h('00'))));
    });
  });

  describe('X25519 with the RFC 8448 §3 private keys', () => {
    it('reproduces both public keys and the shared secret', async () => {
      const client = await importKeyShare('x25519', h(S3.clientPrivate));
      const server = await importKeyShare('x25519', h(S3.serverPrivate));
      expect(toHex(client.publicKey)).toBe(S3.clientPublic);
      expect(toHex(server.publicKey)).toBe(S3.serverPublic);
      expect(toHex(await client.computeSharedSecret(server.publicKey))).toBe(S3.sharedSecret);
      expect(toHex(await server.computeSharedSecret(client.publicKey))).toBe(S3.sharedSecret);
    });
  });

  describe('KeySchedule13 stages on RFC 8448 §3 (Simple 1-RTT Handshake)', () => {
    it('derives every secret, key, IV and Finished value, and reports each step', async () => {
      const trace = new TraceRecorder(() => 0);
      const transcript = new Transcript('SHA-256', trace.emit);

      const early = await EarlyStage13.withoutPsk('SHA-256', trace.emit);
      expect(toHex(early.secret)).toBe(S3.earlySecret);
      const client = await importKeyShare('x25519', h(S3.clientPrivate));
      const shared = await client.computeSharedSecret(h(S3.serverPublic));
      const ks = await early.handshake(shared);
      expect(toHex(ks.secret)).toBe(S3.handshakeSecret);

      transcript.add(h(S3.clientHello), 'ClientHello', 0);
      transcript.add(h(S3.serverHello), 'ServerHello', 1);
      const th1 = await transcript.hash();
      expect(toHex(th1)).toBe(S3.hashClientHelloServerHello);

      const hs = await ks.trafficSecrets(th1);
      expect(toHex(hs.client)).toBe(S3.clientHandshakeTrafficSecret);
      expect(toHex(hs.server)).toBe(S3.serverHandshakeTrafficSecret);

      const serverHsKeys = await ks.trafficKeys(hs.server, 16, 'server_handshake');
      expect(toHex(serverHsKeys.key)).toBe(S3.serverHandshakeKey);
      expect(toHex(serverHsKeys.iv)).toBe(S3.serverHandshakeIv);
      const clientHsKeys = await ks.trafficKeys(hs.client, 16, 'client_handshake');
      expect(toHex(clientHsKeys.key)).toBe(S3.clientHandshakeKey);
      expect(toHex(clientHsKeys.iv)).toBe(S3.clientHandshakeIv);

      const master = await ks.master();
      expect(toHex(master.secret)).toBe(S3.masterSecret);

      transcript.add(h(S3.encryptedExtensions), 'EncryptedExtensions', 2);
      transcript.add(h(S3.certificate), 'Certificate', 3);
      transcript.add(h(S3.certificateVerify), 'CertificateVerify', 4);
      expect(toHex(await ks.finishedKey(hs.server))).toBe(S3.serverFinishedKey);
      expect(toHex(await ks.finishedVerifyData(hs.server, await transcript.hash(), 'server'))).toBe(S3.serverVerifyData);

      transcript.add(h(S3.serverFinished), 'Finished', 5);
      const th2 = await transcript.hash();
      expect(toHex(th2)).toBe(S3.hashThroughServerFinished);
      const ap = await master.applicationTrafficSecrets(th2);
      expect(toHex(ap.client)).toBe(S3.clientApplicationTrafficSecret);
      expect(toHex(ap.server)).toBe(S3.serverApplicationTrafficSecret);
      expect(toHex(await master.exporterMasterSecret(th2))).toBe(S3.exporterMasterSecret);
      const serverAp = await master.trafficKeys(ap.server, 16);
      expect(toHex(serverAp.key)).toBe(S3.serverApplicationKey);
      expect(toHex(serverAp.iv)).toBe(S3.serverApplicationIv);
      const clientAp = await master.trafficKeys(ap.client, 16);
      expect(toHex(clientAp.key)).toBe(S3.clientApplicationKey);
      expect(toHex(clientAp.iv)).toBe(S3.clientApplicationIv);

      expect(toHex(await master.finishedKey(hs.client))).toBe(S3.clientFinishedKey);
      expect(toHex(await master.finishedVerifyData(hs.client, th2, 'client'))).toBe(S3.clientVerifyData);

      transcript.add(h(S3.clientFinished), 'Finished', 6);
      const th3 = await transcript.hash();
      expect(toHex(th3)).toBe(S3.hashThroughClientFinished);
      const rms = await master.resumptionMasterSecret(th3);
      expect(toHex(rms)).toBe(S3.resumptionMasterSecret);
      expect(toHex(await master.resumptionPsk(rms, h(S3.ticketNonce)))).toBe(S3.resumptionPsk);
      expect(toHex(await TrafficSecretUse13.resumptionPsk('SHA-256', rms, h(S3.ticketNonce)))).toBe(S3.resumptionPsk);

      // The trace names every step with its label, context and output.
      const keys = trace.events.filter((e): e is KeyScheduleEvent => e.kind === 'key');
      const byName = (name: string) => keys.find((e) => e.name === name);
      expect(byName('early_secret')?.output).toBe(S3.earlySecret);
      expect(byName('handshake_secret')?.inputs.map((i) => i.value)).toEqual([S3.derivedForHandshake, S3.sharedSecret]);
      expect(byName('derived_secret_for_master')?.output).toBe(S3.derivedForMaster);
      expect(byName('client_handshake_traffic_secret')).toMatchObject({
        op: 'Derive-Secret',
        label: 'tls13 c hs traffic',
        context: S3.hashClientHelloServerHello,
        hash: 'SHA-256',
        output: S3.clientHandshakeTrafficSecret,
      });
      expect(byName('server_handshake_write_key')?.output).toBe(S3.serverHandshakeKey);
      expect(byName('server_verify_data')?.output).toBe(S3.serverVerifyData);
      expect(byName('resumption_psk')?.context).toBe(S3.ticketNonce);
      const transcripts = trace.events.filter((e): e is TranscriptEvent => e.kind === 'transcript');
      expect(transcripts[0]).toMatchObject({ covers: ['ClientHello', 'ServerHello'], messages: [0, 1], value: S3.hashClientHelloServerHello });
      expect(transcripts.at(-1)?.covers).toHaveLength(7);
    });

    it('offers each secret only at its own stage: using one too early does not type-check', async () => {
      const th = new Uint8Array(32);
      const early = await EarlyStage13.withoutPsk('SHA-256');
      expect(early.stage).toBe('early');
      // The compiler refuses these (tsc -p tsconfig.json checks this file); at run time the methods are absent too.
      const tooEarly = (stage: EarlyStage13, hs: HandshakeStage13) => [
        // @ts-expect-error: the handshake traffic secrets need the handshake stage
        stage.trafficSecrets,
        // @ts-expect-error: the master secret needs the handshake stage
        stage.master,
        // @ts-expect-error: application secrets need the master stage
        stage.applicationTrafficSecrets,
        // @ts-expect-error: application secrets need the master stage
        hs.applicationTrafficSecrets,
        // @ts-expect-error: a binder needs an early secret made from a PSK
        stage.binderKey,
      ];
      const hsStage = await early.handshake(new Uint8Array(32));
      expect(tooEarly(early, hsStage).every((m) => m === undefined)).toBe(true);
      expect(hsStage.stage).toBe('handshake');
      expect(hsStage).toBeInstanceOf(HandshakeStage13);
      await expect(hsStage.trafficSecrets(new Uint8Array(31))).rejects.toThrow(/32 bytes/);
      const master = await hsStage.master();
      expect(master.stage).toBe('master');
      expect(master).toBeInstanceOf(MasterStage13);
      await expect(master.applicationTrafficSecrets(new Uint8Array(31))).rejects.toThrow(/32 bytes/);
      expect((await master.applicationTrafficSecrets(th)).client.length).toBe(32);
      const psk = await EarlyStage13.withPsk('SHA-256', h(S3.resumptionPsk));
      expect(psk).toBeInstanceOf(PskEarlyStage13);
      expect((await psk.binderKey('res')).length).toBe(32);
    });

    it('uses zeros for the handshake secret input of a PSK-only handshake', async () => {
      const early = await EarlyStage13.withPsk('SHA-256', h(S3.resumptionPsk));
      const hs = await early.handshake();
      const salt = await deriveSecret('SHA-256', h(S4.earlySecret), 'derived', await digest('SHA-256', new Uint8Array(0)));
      expect(toHex(hs.secret)).toBe(toHex(await hkdfExtract('SHA-256', salt, new Uint8Array(32))));
    });

    it('derives the next application traffic secret for KeyUpdate (SHA-384 lengths too)', async () => {
      const ks = TrafficSecretUse13.forSecrets('SHA-384');
      const secret = new Uint8Array(48).fill(1);
      const next = await ks.nextTrafficSecret(secret);
      expect(next.length).toBe(48);
      expect(toHex(next)).toBe(toHex(await hkdfExpandLabel('SHA-384', secret, 'traffic upd', new Uint8Array(0), 48)));
      const keys = await ks.trafficKeys(next, 32);
      expect(keys.key.length).toBe(32);
      expect(keys.iv.length).toBe(12);
    });
  });

  describe('KeySchedule13 on RFC 8448 §4 (resumption PSK binder)', () => {
    it('derives the early secret from the PSK, the binder key and the binder of the resumed ClientHello', async () => {
      const trace = new TraceRecorder(() => 0);
      const ks = await EarlyStage13.withPsk('SHA-256', h(S3.resumptionPsk), trace.emit);
      expect(toHex(ks.secret)).toBe(S4.earlySecret);
      expect(toHex(await ks.binderKey('res'))).toBe(S4.binderKey);
      expect(toHex(await ks.binderFinishedKey('res'))).toBe(S4.binderFinishedKey);

      const transcript = new Transcript(null, trace.emit);
      transcript.setHash('SHA-256');
      const binderHash = await transcript.hashWith(h(S4.partialClientHello), { name: 'ClientHello (up to binders)' });
      expect(toHex(binderHash)).toBe(S4.binderHash);
      expect(toHex(await ks.binderValue('res', binderHash))).toBe(S4.binder);
      const last = trace.events.filter((e): e is TranscriptEvent => e.kind === 'transcript').at(-1);
      expect(last?.covers).toEqual(['ClientHello (up to binders)']);
    });
  });

  describe('Transcript', () => {
    it('replaces ClientHello1 with the message_hash message after a HelloRetryRequest', async () => {
      const t = new Transcript('SHA-256');
      const ch1 = h(S3.clientHello);
      t.add(ch1, 'ClientHello', 3);
      const synthetic = await t.replaceWithMessageHash();
      const expected = 'fe000020' + toHex(await digest('SHA-256', ch1));
      expect(toHex(synthetic)).toBe(expected);
      expect(t.covers).toEqual(['message_hash(ClientHello)']);
      t.add(h(S3.serverHello), 'HelloRetryRequest', 4);
      expect(toHex(await t.hash())).toBe(toHex(await digest('SHA-256', h(expected + S3.serverHello))));
    });

    it('refuses to hash before the hash algorithm is known', async () => {
      const t = new Transcript(null);
      t.add(h('01000000'), 'ClientHello');
      await expect(t.hash()).rejects.toThrow(/setHash/);
      t.setHash('SHA-384');
      expect((await t.hash()).length).toBe(48);
      expect(() => t.setHash('SHA-256')).toThrow(/already/);
    });
  });
});
