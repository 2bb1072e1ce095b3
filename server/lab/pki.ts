// The lab's test PKI: a root, an intermediate, good leaves and deliberately broken ones.
// Generated once with WebCrypto + @peculiar/x509 and kept on disk (a gitignored dir), so
// every start of the lab presents the same certificates and a person can trust the root once.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** The host name every lab leaf is issued for; clients send it as SNI. Resolved only by the bridge. */
export const LAB_HOST = 'lab.tls-lens.test';
/** The name on the wrong-host scenario's leaf. */
export const WRONG_HOST = 'somewhere-else.tls-lens.test';

/** Bump when the set or shape of generated files changes: an older PKI on disk is then regenerated. */
const PKI_FORMAT = 4;
const DAY = 24 * 3600 * 1000;

export interface CertAndKey {
  cert: string; // PEM
  key: string; // PEM, PKCS#8
}

export interface LabPki {
  dir: string;
  root: CertAndKey;
  intermediate: CertAndKey;
  /** A root nobody trusts, issuer of the unknown-root leaf. */
  unknownRoot: CertAndKey;
  leaves: {
    good: CertAndKey; // ECDSA P-256, issued by the intermediate
    goodRsa: CertAndKey; // RSA 2048, issued by the intermediate
    expired: CertAndKey;
    notYetValid: CertAndKey;
    wrongHost: CertAndKey;
    selfSigned: CertAndKey;
    unknownRoot: CertAndKey;
    /** Issued by the intermediate like `good`; the lab's OCSP responder says it is revoked (ocsp-responder.ts). */
    revoked: CertAndKey;
  };
  /** The person's client certificate (issued by the lab intermediate) and its key. */
  client: CertAndKey;
}

type LeafName = keyof LabPki['leaves'];
const FILES = ['root', 'intermediate', 'unknown-root', 'client', 'good', 'good-rsa', 'expired', 'not-yet-valid', 'wrong-host', 'self-signed', 'leaf-unknown-root', 'revoked'] as const;

export const EC: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const EC_SIGN: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const RSA: RsaHashedKeyGenParams = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };

export async function keyPair(alg: EcKeyGenParams | RsaHashedKeyGenParams): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
}

export async function keyPem(keys: CryptoKeyPair): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** PEM blocks are concatenated into chains: each must end with a newline. */
export function withNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

export interface Issued {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

export async function selfSignedCa(name: string, keys: CryptoKeyPair, now: number): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.createSelfSigned({
    name,
    keys,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 3650 * DAY),
    signingAlgorithm: EC_SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
}

export interface IssueOptions {
  subject: string;
  issuer: Issued;
  keys: CryptoKeyPair;
  notBefore: Date;
  notAfter: Date;
  ca?: boolean;
  dnsNames?: string[];
  /** IP address SANs (e.g. 127.0.0.1 for a server reached by address). */
  ipAddresses?: string[];
  usage?: 'server' | 'client';
}

export async function issue(o: IssueOptions): Promise<x509.X509Certificate> {
  const extensions: x509.Extension[] = [
    await x509.SubjectKeyIdentifierExtension.create(o.keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(o.issuer.keys.publicKey),
  ];
  if (o.ca) {
    extensions.push(new x509.BasicConstraintsExtension(true, 0, true));
    extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true));
  } else {
    extensions.push(new x509.BasicConstraintsExtension(false, undefined, true));
    extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true));
    extensions.push(new x509.ExtendedKeyUsageExtension([o.usage === 'client' ? x509.ExtendedKeyUsage.clientAuth : x509.ExtendedKeyUsage.serverAuth]));
  }
  const names = [...(o.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })), ...(o.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value }))];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  return x509.X509CertificateGenerator.create({
    subject: o.subject,
    issuer: o.issuer.cert.subject,
    publicKey: o.keys.publicKey,
    signingKey: o.issuer.keys.privateKey,
    notBefore: o.notBefore,
    notAfter: o.notAfter,
    signingAlgorithm: EC_SIGN,
    extensions,
  });
}

async function generate(now: number): Promise<Record<(typeof FILES)[number], CertAndKey>> {
  const valid = { notBefore: new Date(now - DAY), notAfter: new Date(now + 397 * DAY) };
  const rootKeys = await keyPair(EC);
  const root: Issued = { keys: rootKeys, cert: await selfSignedCa('CN=TLS Lens Lab Root CA, O=TLS Lens Lab', rootKeys, now) };
  const interKeys = await keyPair(EC);
  const intermediate: Issued = {
    keys: interKeys,
    cert: await issue({ subject: 'CN=TLS Lens Lab Intermediate CA, O=TLS Lens Lab', issuer: root, keys: interKeys, ca: true, notBefore: new Date(now - DAY), notAfter: new Date(now + 1825 * DAY) }),
  };
  const strangerKeys = await keyPair(EC);
  const unknownRoot: Issued = { keys: strangerKeys, cert: await selfSignedCa('CN=Unknown Root CA, O=Nobody You Trust', strangerKeys, now) };

  const out: Partial<Record<(typeof FILES)[number], CertAndKey>> = {};
  const save = async (name: (typeof FILES)[number], it: Issued) => {
    out[name] = { cert: withNewline(it.cert.toString('pem')), key: withNewline(await keyPem(it.keys)) };
  };
  await save('root', root);
  await save('intermediate', intermediate);
  await save('unknown-root', unknownRoot);

  const leaf = async (name: (typeof FILES)[number], o: Partial<IssueOptions> & { alg?: EcKeyGenParams | RsaHashedKeyGenParams }) => {
    const keys = await keyPair(o.alg ?? EC);
    const cert = await issue({ subject: `CN=${(o.dnsNames ?? [LAB_HOST])[0]}, O=TLS Lens Lab`, issuer: intermediate, keys, dnsNames: [LAB_HOST], ...valid, ...o });
    await save(name, { cert, keys });
  };
  await leaf('good', {});
  await leaf('good-rsa', { alg: RSA });
  await leaf('expired', { notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2021-01-01T00:00:00Z') });
  await leaf('not-yet-valid', { notBefore: new Date('2099-01-01T00:00:00Z'), notAfter: new Date('2100-01-01T00:00:00Z') });
  await leaf('wrong-host', { dnsNames: [WRONG_HOST] });
  await leaf('leaf-unknown-root', { issuer: unknownRoot });
  await leaf('revoked', {});
  await leaf('client', { subject: 'CN=TLS Lens Lab Student, O=TLS Lens Lab', dnsNames: undefined, usage: 'client' });

  // A leaf that signs itself: not a CA, so no chain can be built to anything.
  const selfKeys = await keyPair(EC);
  const selfCert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${LAB_HOST}, O=TLS Lens Lab (self-signed)`,
    keys: selfKeys,
    ...valid,
    signingAlgorithm: EC_SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: LAB_HOST }]),
    ],
  });
  await save('self-signed', { cert: selfCert, keys: selfKeys });
  return out as Record<(typeof FILES)[number], CertAndKey>;
}

async function load(dir: string): Promise<Record<(typeof FILES)[number], CertAndKey> | null> {
  try {
    const meta = JSON.parse(await readFile(path.join(dir, 'pki.json'), 'utf8'));
    if (meta.format !== PKI_FORMAT) return null;
    // Regenerate well before the good leaves expire, so the lab never silently breaks.
    if (Date.parse(meta.goodUntil) - Date.now() < 30 * DAY) return null;
    const out: Partial<Record<(typeof FILES)[number], CertAndKey>> = {};
    for (const name of FILES) {
      out[name] = {
        cert: withNewline(await readFile(path.join(dir, `${name}.pem`), 'utf8')),
        key: withNewline(await readFile(path.join(dir, `${name}.key.pem`), 'utf8')),
      };
    }
    return out as Record<(typeof FILES)[number], CertAndKey>;
  } catch {
    return null;
  }
}

/** Loads the lab PKI from `dir`, generating it first if it is absent, outdated or close to expiry. */
export async function ensureLabPki(dir: string): Promise<LabPki & { generated: boolean }> {
  let files = await load(dir);
  let generated = false;
  if (!files) {
    files = await generate(Date.now());
    generated = true;
    // Write into a fresh sibling dir and swap it in, so two starts racing never see half a PKI.
    const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    await mkdir(tmp, { recursive: true, mode: 0o700 });
    for (const [name, ck] of Object.entries(files)) {
      await writeFile(path.join(tmp, `${name}.pem`), ck.cert);
      await writeFile(path.join(tmp, `${name}.key.pem`), ck.key, { mode: 0o600 });
    }
    const goodUntil = new x509.X509Certificate(files.good.cert).notAfter.toISOString();
    await writeFile(path.join(tmp, 'pki.json'), JSON.stringify({ format: PKI_FORMAT, created: new Date().toISOString(), goodUntil }, null, 2));
    if (existsSync(dir)) await rm(dir, { recursive: true, force: true });
    await mkdir(path.dirname(dir), { recursive: true });
    try {
      await rename(tmp, dir);
    } catch {
      // Another start won the race; use its files.
      await rm(tmp, { recursive: true, force: true });
      const theirs = await load(dir);
      if (theirs) files = theirs;
    }
  }
  const f = files;
  return {
    dir,
    generated,
    root: f.root,
    intermediate: f.intermediate,
    unknownRoot: f['unknown-root'],
    client: f.client,
    leaves: {
      good: f.good,
      goodRsa: f['good-rsa'],
      expired: f.expired,
      notYetValid: f['not-yet-valid'],
      wrongHost: f['wrong-host'],
      selfSigned: f['self-signed'],
      unknownRoot: f['leaf-unknown-root'],
      revoked: f.revoked,
    } satisfies Record<LeafName, CertAndKey>,
  };
}
