// `tls-lens serve` without --cert: a throwaway CA and a leaf for localhost / 127.0.0.1 / ::1, made with the lab's PKI
// helpers and kept in one directory so a person trusts the CA once and later runs present the same chain.
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { EC, issue, keyPair, keyPem, selfSignedCa, withNewline, type Issued } from '../../server/lab/pki.ts';

const DAY = 24 * 3600 * 1000;

export interface ThrowawayPki {
  dir: string;
  /** The CA certificate a client should trust (PEM file). */
  caFile: string;
  /** The leaf followed by the CA: what the server sends. */
  chainFile: string;
  keyFile: string;
  /** True when this run made the files (false: reused from an earlier run). */
  generated: boolean;
}

/** Where the throwaway PKI lives unless --pki-dir says otherwise: $XDG_DATA_HOME/tls-lens/serve-pki. */
export function defaultPkiDir(): string {
  const base = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'tls-lens', 'serve-pki');
}

/** The PKI in `dir`: reused while the leaf has more than a day left, else made afresh. */
export async function ensureThrowawayPki(dir: string = defaultPkiDir()): Promise<ThrowawayPki> {
  const files = { dir, caFile: path.join(dir, 'ca.pem'), chainFile: path.join(dir, 'localhost.pem'), keyFile: path.join(dir, 'localhost.key.pem') };
  if ((await stillValid(files.chainFile)) && existsSync(files.caFile) && existsSync(files.keyFile)) return { ...files, generated: false };
  const now = Date.now();
  const caKeys = await keyPair(EC);
  const ca: Issued = { keys: caKeys, cert: await selfSignedCa(`CN=TLS Lens serve throwaway CA ${new Date(now).toISOString().slice(0, 10)}, O=TLS Lens`, caKeys, now) };
  const leafKeys = await keyPair(EC);
  // 397 days: the longest validity browsers accept for a server certificate.
  const leaf = await issue({ subject: 'CN=localhost, O=TLS Lens serve', issuer: ca, keys: leafKeys, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'], notBefore: new Date(now - DAY), notAfter: new Date(now + 397 * DAY) });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(files.caFile, withNewline(ca.cert.toString('pem')));
  await writeFile(files.chainFile, withNewline(leaf.toString('pem')) + withNewline(ca.cert.toString('pem')));
  await writeFile(files.keyFile, withNewline(await keyPem(leafKeys)), { mode: 0o600 });
  return { ...files, generated: true };
}

async function stillValid(chainFile: string): Promise<boolean> {
  try {
    const cert = new x509.X509Certificate(await readFile(chainFile, 'utf8'));
    return cert.notAfter.getTime() - Date.now() > DAY;
  } catch {
    return false;
  }
}
