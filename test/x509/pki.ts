// Test PKI: certificates generated on the fly with node:crypto keys (WebCrypto) and @peculiar/x509.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn1x509 from '@peculiar/asn1-x509';
import { webcrypto } from 'node:crypto';

const crypto = webcrypto as unknown as Crypto;
x509.cryptoProvider.set(crypto);

export type KeyKind = 'p256' | 'p384' | 'p521' | 'rsa2048' | 'rsa1024' | 'rsa-pss' | 'ed25519' | 'rsa2048-sha1';

export interface Identity {
  /** Subject DN text when it is not just CN=name. */
  subject?: string;
  cert: x509.X509Certificate;
  der: Uint8Array;
  keys: CryptoKeyPair;
  name: string;
  kind: KeyKind;
}

function keyAlgorithm(kind: KeyKind): { gen: RsaHashedKeyGenParams | EcKeyGenParams | Algorithm; sign: Algorithm | EcdsaParams | RsaPssParams } {
  switch (kind) {
    case 'p256':
      return { gen: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams };
    case 'p384':
      return { gen: { name: 'ECDSA', namedCurve: 'P-384' }, sign: { name: 'ECDSA', hash: 'SHA-384' } as EcdsaParams };
    case 'p521':
      return { gen: { name: 'ECDSA', namedCurve: 'P-521' }, sign: { name: 'ECDSA', hash: 'SHA-512' } as EcdsaParams };
    case 'rsa2048':
    case 'rsa1024':
    case 'rsa2048-sha1':
      return {
        gen: {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength: kind === 'rsa1024' ? 1024 : 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: kind === 'rsa2048-sha1' ? 'SHA-1' : 'SHA-256',
        } as RsaHashedKeyGenParams,
        sign: { name: 'RSASSA-PKCS1-v1_5' },
      };
    case 'rsa-pss':
      return {
        gen: { name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as RsaHashedKeyGenParams,
        sign: { name: 'RSA-PSS', saltLength: 32 } as RsaPssParams,
      };
    case 'ed25519':
      return { gen: { name: 'Ed25519' }, sign: { name: 'Ed25519' } };
  }
}

export async function generateKeys(kind: KeyKind): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(keyAlgorithm(kind).gen as RsaHashedKeyGenParams, true, ['sign', 'verify'])) as CryptoKeyPair;
}

export interface CertOptions {
  name: string;
  /** Issuer identity; omitted = self-signed. */
  issuer?: Identity;
  kind?: KeyKind;
  /** Reuse existing keys (e.g. a cross-signed CA). */
  keys?: CryptoKeyPair;
  ca?: boolean;
  pathLen?: number;
  /** false = no basicConstraints extension at all. */
  basicConstraints?: boolean;
  bcCritical?: boolean;
  keyUsage?: number;
  eku?: string[];
  san?: { type: 'dns' | 'ip' | 'email'; value: string }[];
  nameConstraints?: { permitted?: asn1x509.GeneralName[]; excluded?: asn1x509.GeneralName[] };
  notBefore?: Date;
  notAfter?: Date;
  aki?: boolean;
  ski?: boolean;
  extra?: x509.Extension[];
  serial?: string;
  /** Full subject DN (default CN=name). */
  subject?: string;
  /** Sign with this key kind's algorithm on the issuer side (defaults to the issuer's own). */
}

/** The serverAuth extended key usage (RFC 5280 §4.2.1.12). */
export const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const DAY = 86_400_000;
export const NOW = new Date('2026-06-01T12:00:00Z');

let serialCounter = 1;

/** Make a certificate. CA certificates get keyCertSign + cRLSign and critical basicConstraints by default. */
export async function makeCert(o: CertOptions): Promise<Identity> {
  const kind = o.kind ?? 'p256';
  const keys = o.keys ?? (await generateKeys(kind));
  const signer = o.issuer ?? { keys, name: o.name, kind };
  const ext: x509.Extension[] = [];
  if (o.basicConstraints !== false) ext.push(new x509.BasicConstraintsExtension(o.ca ?? false, o.pathLen, o.bcCritical ?? (o.ca ?? false)));
  const ku = o.keyUsage ?? (o.ca ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature);
  if (ku) ext.push(new x509.KeyUsagesExtension(ku, true));
  if (o.eku) ext.push(new x509.ExtendedKeyUsageExtension(o.eku, false));
  if (o.san) ext.push(new x509.SubjectAlternativeNameExtension(o.san.map((s) => ({ type: s.type, value: s.value })), false));
  if (o.ski !== false) ext.push(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto));
  if (o.aki !== false) ext.push(await x509.AuthorityKeyIdentifierExtension.create(signer.keys.publicKey, false, crypto));
  if (o.nameConstraints) {
    const nc = new asn1x509.NameConstraints({
      permittedSubtrees: o.nameConstraints.permitted ? new asn1x509.GeneralSubtrees(o.nameConstraints.permitted.map((base) => new asn1x509.GeneralSubtree({ base }))) : undefined,
      excludedSubtrees: o.nameConstraints.excluded ? new asn1x509.GeneralSubtrees(o.nameConstraints.excluded.map((base) => new asn1x509.GeneralSubtree({ base }))) : undefined,
    });
    ext.push(new x509.Extension(asn1x509.id_ce_nameConstraints, true, AsnConvert.serialize(nc)));
  }
  ext.push(...(o.extra ?? []));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: o.serial ?? (serialCounter++).toString(16).padStart(4, '0').replace(/^/, '01'),
      subject: o.subject ?? `CN=${o.name}`,
      issuer: (signer as { subject?: string }).subject ?? `CN=${signer.name}`,
      notBefore: o.notBefore ?? new Date(NOW.getTime() - 30 * DAY),
      notAfter: o.notAfter ?? new Date(NOW.getTime() + 365 * DAY),
      publicKey: keys.publicKey,
      signingKey: signer.keys.privateKey,
      signingAlgorithm: keyAlgorithm(signer.kind).sign,
      extensions: ext,
    },
    crypto,
  );
  return { cert, der: new Uint8Array(cert.rawData), keys, name: o.name, kind, ...(o.subject ? { subject: o.subject } : {}) };
}

export const dns = (value: string) => new asn1x509.GeneralName({ dNSName: value });
/** An iPAddress subtree from CIDR text, e.g. "192.0.2.0/24". */
export const ipNet = (cidr: string) => new asn1x509.GeneralName({ iPAddress: cidr });
/** A directoryName subtree from DN text, e.g. "O=Allowed". */
export const dirName = (dn: string) => new asn1x509.GeneralName({ directoryName: AsnConvert.parse(new x509.Name(dn).toArrayBuffer(), asn1x509.Name) });
export const email = (value: string) => new asn1x509.GeneralName({ rfc822Name: value });

/** A root, an intermediate and a leaf for `host`, all P-256. */
export async function simpleChain(host = 'example.com', leafExtra: Partial<CertOptions> = {}) {
  const root = await makeCert({ name: 'Test Root', ca: true });
  const inter = await makeCert({ name: 'Test Intermediate', ca: true, issuer: root });
  const leaf = await makeCert({ name: host, issuer: inter, san: [{ type: 'dns', value: host }], eku: [SERVER_AUTH], ...leafExtra });
  return { root, inter, leaf };
}

/** A cross-signature: one intermediate key ("Cross Inter") certified by Root A and by Root B, and a leaf under it. */
export async function crossSignedChain() {
  const rootA = await makeCert({ name: 'Root A', ca: true });
  const rootB = await makeCert({ name: 'Root B', ca: true });
  const interA = await makeCert({ name: 'Cross Inter', ca: true, issuer: rootA });
  const interB = await makeCert({ name: 'Cross Inter', ca: true, issuer: rootB, keys: interA.keys });
  const leaf = await makeCert({ name: 'example.com', issuer: interA, san: [{ type: 'dns', value: 'example.com' }], eku: [SERVER_AUTH] });
  return { rootA, rootB, interA, interB, leaf };
}

/**
 * A leaf whose issuer's name fits four offered certificates, three of them refused each for its own reason: another
 * key with an SKI (refused on AKI/SKI before any signature is tried), another key without one (only the signature
 * refuses it), the right key but expired (the path through it is complete but refused on validity); and `inter`.
 */
export async function refusedIssuers() {
  const root = await makeCert({ name: 'Test Root', ca: true });
  const inter = await makeCert({ name: 'Test Intermediate', ca: true, issuer: root });
  const otherKey = await makeCert({ name: 'Test Intermediate', ca: true, issuer: root });
  const noSki = await makeCert({ name: 'Test Intermediate', ca: true, issuer: root, ski: false });
  const expired = await makeCert({ name: 'Test Intermediate', ca: true, issuer: root, keys: inter.keys, notBefore: new Date(NOW.getTime() - 400 * DAY), notAfter: new Date(NOW.getTime() - 10 * DAY) });
  const leaf = await makeCert({ name: 'example.com', issuer: inter, san: [{ type: 'dns', value: 'example.com' }], eku: [SERVER_AUTH] });
  return { root, inter, otherKey, noSki, expired, leaf };
}

export function toPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
}
