// Certificates with hand-edited TBS fields, signed again by their issuer: encodings that certificate libraries
// will not write (explicit DEFAULT values, impossible dates), made the way a careless CA would.
import { createPrivateKey, sign, webcrypto } from 'node:crypto';
import type { Identity } from './pki.ts';

/** A DER element as a tree: constructed ones keep their children, primitive ones their value. */
export interface Tlv {
  tag: number;
  kids?: Tlv[];
  value?: Uint8Array;
}

export function parseTlv(b: Uint8Array, start = 0, end = b.length): Tlv[] {
  const out: Tlv[] = [];
  for (let p = start; p < end; ) {
    const tag = b[p];
    let q = p + 1;
    let len = b[q++];
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + b[q++];
    }
    out.push(tag & 0x20 ? { tag, kids: parseTlv(b, q, q + len) } : { tag, value: b.slice(q, q + len) });
    p = q + len;
  }
  return out;
}

function lengthOctets(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

export function encodeTlv(t: Tlv): Uint8Array {
  const value = t.kids ? Buffer.concat(t.kids.map(encodeTlv)) : Buffer.from(t.value!);
  return new Uint8Array(Buffer.concat([Buffer.from([t.tag, ...lengthOctets(value.length)]), value]));
}

/** The extensions of a TBSCertificate tree (inside [3]). */
export function extensionsOf(tbs: Tlv): Tlv[] {
  return tbs.kids!.find((k) => k.tag === 0xa3)!.kids![0].kids!;
}

/** The extension whose extnID content bytes are `oidBytes` (e.g. 55 1d 0e for subjectKeyIdentifier). */
export function extensionById(tbs: Tlv, oidBytes: number[]): Tlv {
  return extensionsOf(tbs).find((e) => Buffer.from(e.kids![0].value!).equals(Buffer.from(oidBytes)))!;
}

/** The Validity SEQUENCE of a TBSCertificate tree. */
export function validityOf(tbs: Tlv): Tlv {
  const k = tbs.kids!;
  return k[k[0].tag === 0xa0 ? 4 : 3];
}

/** Edit `cert`'s TBSCertificate in place with `edit`, and sign it again with `issuer`'s key (ECDSA, SHA-256). */
export async function resign(cert: Identity, issuer: Identity, edit: (tbs: Tlv) => void): Promise<Uint8Array> {
  const top = parseTlv(cert.der)[0];
  edit(top.kids![0]);
  const tbs = encodeTlv(top.kids![0]);
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', issuer.keys.privateKey as unknown as webcrypto.CryptoKey);
  const signature = sign('sha256', tbs, createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }));
  top.kids![2] = { tag: 0x03, value: new Uint8Array([0, ...signature]) };
  return encodeTlv(top);
}
