// A throwaway PKI for the both-sides mode, made in the page (WebCrypto + @peculiar/x509), never stored: a root, a
// server leaf (good, expired or for another host) and a client leaf. The lab's server/lab/pki.ts makes its
// certificates the same way; this one lives only as long as one run.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { ServerCertificateChoice } from '../../worker/both-sides-messages.ts';

/** The name our client asks for and checks the server's certificate against. */
export const BOTH_SIDES_HOST = 'both-sides.tls-lens.test';
const WRONG_HOST = 'somewhere-else.tls-lens.test';
const DAY = 24 * 3600 * 1000;
const EC: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const EC_SIGN: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

export interface Leaf {
  /** DER, leaf first (the root is left out, as servers do). */
  chain: Uint8Array[];
  /** PKCS#8 DER. */
  key: Uint8Array;
}

export interface ThrowawayPki {
  rootDer: Uint8Array;
  server: Leaf;
  client: Leaf;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function leaf(root: x509.X509Certificate, rootKeys: CryptoKeyPair, subject: string, dns: string | null, usage: string, notBefore: number, notAfter: number): Promise<Leaf> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('').replace(/^[89a-f]/, '1'),
    subject,
    issuer: root.subject,
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
    publicKey: keys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: EC_SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([usage]),
      ...(dns ? [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: dns }])] : []),
      await x509.AuthorityKeyIdentifierExtension.create(root, false),
    ],
  });
  const key = new Uint8Array(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { chain: [new Uint8Array(cert.rawData)], key };
}

export async function makeThrowawayPki(choice: ServerCertificateChoice, now = Date.now()): Promise<ThrowawayPki> {
  x509.cryptoProvider.set(crypto);
  const rootKeys = await keyPair();
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=TLS Lens both-sides root (throwaway)',
    keys: rootKeys,
    serialNumber: '01',
    // Older than the expired leaf, so that leaf fails for its own dates only.
    notBefore: new Date(now - 90 * DAY),
    notAfter: new Date(now + 30 * DAY),
    signingAlgorithm: EC_SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const host = choice === 'wrong-host' ? WRONG_HOST : BOTH_SIDES_HOST;
  const [from, to] = choice === 'expired' ? [now - 60 * DAY, now - 30 * DAY] : [now - DAY, now + 30 * DAY];
  const server = await leaf(root, rootKeys, `CN=${host}`, host, x509.ExtendedKeyUsage.serverAuth, from, to);
  const client = await leaf(root, rootKeys, 'CN=both-sides client', null, x509.ExtendedKeyUsage.clientAuth, now - DAY, now + 30 * DAY);
  return { rootDer: new Uint8Array(root.rawData), server, client };
}
