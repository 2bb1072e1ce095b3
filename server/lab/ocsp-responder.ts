// The lab intermediate's OCSP responder, for the scenarios that staple (RFC 6066 §8): `openssl ocsp` answers from an
// index.txt listing every server leaf the intermediate issued, valid except the `revoked` leaf. The PKI is kept on disk for
// months, but a response is current for an hour only: each is made when the lab starts (thisUpdate now, nextUpdate
// an hour later) and made again once half its life has passed, as a server that staples refreshes its staple.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CertAndKey, LabPki } from './pki.ts';
import { INDEX_ATTRIBUTES, indexFile, ocspRespondArgs, type IndexEntry } from './openssl-ocsp.ts';

const run = promisify(execFile);

export type LeafName = keyof LabPki['leaves'];

/** The leaf the lab's responder says is revoked. */
export const REVOKED_LEAF: LeafName = 'revoked';
/** nextUpdate - thisUpdate of each response. */
export const RESPONSE_LIFETIME_MINUTES = 60;
const HOUR = 3_600_000;

export interface OcspResponder {
  /** A current DER OCSPResponse about `leaf`, signed by the lab intermediate. */
  responseFor(leaf: LeafName): Promise<Buffer>;
  stop(): Promise<void>;
}

export interface ResponderOptions {
  /** Answer these leaves at start (so a failure shows then, and the first handshake does not wait). */
  prepare?: LeafName[];
  /** The clock that decides when a response is old (tests move it); openssl itself stamps the real time. */
  now?: () => number;
}

interface Made {
  der: Buffer;
  madeAt: number;
}

/** "CN=a\nO=b" (Node) as index.txt writes a subject: "/CN=a/O=b". */
const indexSubject = (cert: X509Certificate) => `/${cert.subject.split('\n').join('/')}`;

export async function startOcspResponder(pki: LabPki, options: ResponderOptions = {}): Promise<OcspResponder> {
  const now = options.now ?? Date.now;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tls-lens-ocsp-'));
  const file = (name: string) => path.join(dir, name);
  const intermediate = new X509Certificate(pki.intermediate.cert);
  const leaves = Object.entries(pki.leaves) as [LeafName, CertAndKey][];
  const entries: IndexEntry[] = [];
  const issued = new Set<LeafName>();
  for (const [name, leaf] of leaves) {
    const cert = new X509Certificate(leaf.cert);
    if (!cert.checkIssued(intermediate)) continue; // the self-signed and unknown-root leaves are not the intermediate's
    issued.add(name);
    await writeFile(file(`${name}.pem`), leaf.cert);
    // Revoked an hour after it was issued, its key said to be compromised: in the past at every start.
    const revoked = name === REVOKED_LEAF ? { at: new Date(Date.parse(cert.validFrom) + HOUR), reason: 'keyCompromise' as const } : undefined;
    entries.push({ serial: cert.serialNumber, notAfter: new Date(cert.validTo), subject: indexSubject(cert), revoked });
  }
  await writeFile(file('index.txt'), indexFile(entries));
  await writeFile(file('index.txt.attr'), INDEX_ATTRIBUTES);
  await writeFile(file('intermediate.pem'), pki.intermediate.cert);
  await writeFile(file('intermediate.key.pem'), pki.intermediate.key, { mode: 0o600 });

  const made = new Map<LeafName, Made>();
  const making = new Map<LeafName, Promise<Buffer>>();
  const make = async (leaf: LeafName): Promise<Buffer> => {
    if (!issued.has(leaf)) throw new Error(`the lab intermediate did not issue the ${leaf} leaf`);
    const out = file(`${leaf}.ocsp.der`);
    const madeAt = now();
    await run('openssl', ocspRespondArgs({
      index: file('index.txt'), issuer: file('intermediate.pem'), signerCert: file('intermediate.pem'), signerKey: file('intermediate.key.pem'),
      cert: file(`${leaf}.pem`), out, validity: { minutes: RESPONSE_LIFETIME_MINUTES }, noNonce: true, noCerts: true,
    }));
    const der = await readFile(out);
    made.set(leaf, { der, madeAt });
    return der;
  };
  const responseFor = (leaf: LeafName): Promise<Buffer> => {
    const last = made.get(leaf);
    if (last && now() - last.madeAt < (RESPONSE_LIFETIME_MINUTES * 60_000) / 2) return Promise.resolve(last.der);
    // One openssl run per leaf at a time, however many handshakes ask meanwhile.
    let pending = making.get(leaf);
    if (!pending) {
      pending = make(leaf).finally(() => making.delete(leaf));
      making.set(leaf, pending);
    }
    return pending;
  };

  try {
    await Promise.all((options.prepare ?? []).map(responseFor));
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    responseFor,
    stop: () => rm(dir, { recursive: true, force: true }),
  };
}

