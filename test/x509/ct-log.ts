// A test Certificate Transparency log: its key, an SCT over a precertificate entry, the SCT list extension,
// and a leaf carrying SCTs from a good log, another log and one over the wrong bytes (unit and browser tests).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { sha256 } from '@noble/hashes/sha2.js';
import { decodeCertificate } from '../../src/x509/certificate.ts';
import type { CtLog } from '../../src/x509/sct.ts';
import { ecdsaRawToDer } from '../../src/tls/handshake/signatures.ts';
import { generateKeys, makeCert, NOW, type Identity } from './pki.ts';

const SCT_LIST = '1.3.6.1.4.1.11129.2.4.2';
const u16 = (n: number) => [n >> 8, n & 0xff];
const cat = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const tlv = (tag: number, v: Uint8Array) => cat([tag, ...(v.length < 0x80 ? [v.length] : v.length < 0x100 ? [0x81, v.length] : [0x82, ...u16(v.length)])], v);

export async function testLog(description: string) {
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const key = new Uint8Array(await crypto.subtle.exportKey('spki', keys.publicKey));
  return { keys, log: { description, key, logId: sha256(key) } satisfies CtLog };
}

/** An SCT by `log` over the precertificate entry (issuer key hash, TBS without the SCT list). */
export async function sct(log: Awaited<ReturnType<typeof testLog>>, issuer: Identity, tbs: Uint8Array, when: Date) {
  const ts = new Uint8Array(8);
  new DataView(ts.buffer).setBigUint64(0, BigInt(when.getTime()));
  const signed = cat([0, 0], ts, [0, 1], sha256(decodeCertificate(issuer.der).spki), [tbs.length >> 16, (tbs.length >> 8) & 0xff, tbs.length & 0xff], tbs, [0, 0]);
  const signature = ecdsaRawToDer(new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, log.keys.privateKey, signed)));
  return cat([0], log.log.logId, ts, [0, 0], [4, 3], u16(signature.length), signature);
}

export const sctExtension = (...scts: Uint8Array[]) => {
  const items = cat(...scts.map((s) => cat(u16(s.length), s)));
  return new x509.Extension(SCT_LIST, false, tlv(0x04, cat(u16(items.length), items)));
};

/** Root, issuing CA, the leaf before its SCTs (what the logs signed) and after, and the two logs. */
export async function ctChain() {
  const root = await makeCert({ name: 'CT Root', ca: true });
  const inter = await makeCert({ name: 'CT Issuing CA', ca: true, issuer: root });
  const keys = await generateKeys('p256');
  const leafOptions = { name: 'ct.example.com', issuer: inter, keys, serial: '7a01', san: [{ type: 'dns' as const, value: 'ct.example.com' }], eku: ['1.3.6.1.5.5.7.3.1'] };
  const pre = await makeCert(leafOptions);
  const preTbs = decodeCertificate(pre.der).tbs;
  const good = await testLog('Test Log 2026');
  const other = await testLog('Other Log');
  const tampered = await sct(good, inter, preTbs.slice(0, -1), NOW); // signed over bytes that are not the entry
  const leaf = await makeCert({ ...leafOptions, extra: [sctExtension(await sct(good, inter, preTbs, NOW), await sct(other, inter, preTbs, NOW), tampered)] });
  return { root, inter, pre, preTbs, leaf, good, other };
}

/** A v3 log list (the shape Chrome and Apple publish) naming these logs. */
export function logListJson(...logs: CtLog[]): string {
  return JSON.stringify({ version: '1.0', operators: [{ name: 'Test operator', logs: logs.map((l) => ({ description: l.description, log_id: Buffer.from(l.logId).toString('base64'), key: Buffer.from(l.key).toString('base64') })) }] });
}
