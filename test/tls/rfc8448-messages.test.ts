// The RFC 8448 §3 handshake messages through this codec: each decodes to the values the RFC describes and
// re-encodes to the same bytes; the RFC's CertificateVerify verifies with the CertificateVerify helpers.
import { describe, expect, it } from 'vitest';
import { verifySignature, describePublicKey } from '../../src/crypto/signature.ts';
import { digest } from '../../src/crypto/hash.ts';
import { certificateSpki, certificateVerifyContent, schemeAlgorithm } from '../../src/tls/handshake/signatures.ts';
import { ExtensionType as X } from '../../src/tls/messages/constants.ts';
import { findExtension } from '../../src/tls/messages/extensions.ts';
import { decodeHandshake, encodeHandshake } from '../../src/tls/messages/handshake.ts';
import { concat, fromHex, toHex } from '../../src/util/bytes.ts';
import { S3 } from '../tls-crypto/rfc8448.fixture.ts';

const msg = (hex: string) => decodeHandshake(fromHex(hex));

describe('RFC 8448 §3 messages', () => {
  it('every message round-trips byte for byte', () => {
    for (const hex of [S3.clientHello, S3.serverHello, S3.encryptedExtensions, S3.certificate, S3.certificateVerify, S3.serverFinished, S3.clientFinished, S3.newSessionTicket]) {
      const d = msg(hex);
      expect(toHex(encodeHandshake(d.message).bytes), d.name).toBe(hex);
    }
  });

  it('the ClientHello says what the RFC says it offers', () => {
    const ch = msg(S3.clientHello).message;
    if (ch.type !== 'client_hello') throw new Error('not a ClientHello');
    expect(ch.cipherSuites).toEqual([0x1301, 0x1303, 0x1302]);
    expect(findExtension(ch.extensions, X.server_name)?.hostName).toBe('server');
    expect(findExtension(ch.extensions, X.key_share)?.shares?.[0]).toMatchObject({ group: 0x1d });
    expect(toHex(findExtension(ch.extensions, X.key_share)!.shares![0].keyExchange)).toBe(S3.clientPublic);
    expect(findExtension(ch.extensions, X.supported_versions)?.versions).toEqual([0x0304]);
  });

  it('ServerHello, NewSessionTicket fields', () => {
    const sh = msg(S3.serverHello).message;
    if (sh.type !== 'server_hello') throw new Error('not a ServerHello');
    expect(sh.isHelloRetryRequest).toBe(false);
    expect(toHex(findExtension(sh.extensions, X.key_share)!.share!.keyExchange)).toBe(S3.serverPublic);
    const nst = msg(S3.newSessionTicket).message;
    if (nst.type !== 'new_session_ticket') throw new Error('not a NewSessionTicket');
    expect(toHex(nst.nonce)).toBe(S3.ticketNonce);
    expect(findExtension(nst.extensions, X.early_data)?.maxEarlyData).toBeGreaterThan(0);
  });

  it('the server CertificateVerify verifies over the transcript hash (rsa_pss_rsae_sha256)', async () => {
    const cert = msg(S3.certificate).message;
    const cv = msg(S3.certificateVerify).message;
    if (cert.type !== 'certificate' || cv.type !== 'certificate_verify') throw new Error('wrong messages');
    const th = await digest('SHA-256', concat(...[S3.clientHello, S3.serverHello, S3.encryptedExtensions, S3.certificate].map(fromHex)));
    const spki = certificateSpki(cert.entries[0].certData);
    const alg = schemeAlgorithm(cv.scheme, describePublicKey(spki));
    if (typeof alg === 'string') throw new Error(alg);
    expect(await verifySignature(spki, alg, certificateVerifyContent('server', th), cv.signature)).toBe(true);
    // One changed transcript byte and it no longer verifies.
    th[0] ^= 1;
    expect(await verifySignature(spki, alg, certificateVerifyContent('server', th), cv.signature)).toBe(false);
  });
});
