// The engine-facing verifier: trace events, the Mozilla store, parseCertificate, PEM/DER input, the ASN.1 tree.
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { rootCertificates } from 'node:tls';
import type { NewTraceEvent } from '../../src/trace/types.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import { asn1Tree } from '../../src/x509/der.ts';
import { readCertificateInput } from '../../src/x509/input.ts';

const readCertificates = (input: Uint8Array | string) => readCertificateInput(input).certificates.map((c) => c.der);
import { parseCertificate } from '../../src/x509/summary.ts';
import { mozillaTrustStore } from '../../src/x509/mozillaStore.ts';
import { DER_LIMITS, DerError } from '../../src/x509/der.ts';
import { CertificateInputError } from '../../src/x509/pem.ts';
import { MOZILLA_ROOTS_PROVENANCE } from '../../src/x509/mozillaRoots.generated.ts';
import { NOW, simpleChain, toPem } from './pki.ts';

describe('createVerifier', () => {
  it('emits one cert-check event per step and a cert-result, leaf first', async () => {
    const { root, inter, leaf } = await simpleChain('example.com');
    const events: NewTraceEvent[] = [];
    const v = createVerifier({ anchors: [root.der] });
    const out = await v.verify({ chain: [leaf.der, inter.der], serverName: 'example.com', purpose: 'server', now: NOW, emit: (e) => events.push(e) });
    expect(out.ok).toBe(true);
    expect(out.path.map((p) => p.source)).toEqual(['peer', 'peer', 'anchor']);
    const checks = events.filter((e) => e.kind === 'cert-check');
    expect(checks.length).toBeGreaterThan(15);
    expect(checks.every((e) => e.kind === 'cert-check' && typeof e.detail === 'string' && e.detail.length > 0)).toBe(true);
    // Each check points at the bytes it read.
    const bytesOf = (check: string, cert: number) => {
      const e = checks.find((c) => c.kind === 'cert-check' && c.check === check && c.certificate === cert);
      if (e?.kind !== 'cert-check' || !e.span) throw new Error(`no span for ${check}`);
      return Buffer.from([leaf.der, inter.der, root.der][cert].subarray(e.span.start, e.span.end)).toString('hex');
    };
    expect(bytesOf('hostname', 0)).toMatch(/^30..0603551d11/); // Extension { subjectAltName ... }
    expect(bytesOf('signature', 0)).toMatch(/^03/); // signatureValue BIT STRING
    expect(bytesOf('basicConstraints', 1)).toMatch(/^30..0603551d13/);
    expect(bytesOf('validity', 2)).toMatch(/^30..17/); // SEQUENCE { UTCTime ...
    const result = events[events.length - 1];
    expect(result.kind).toBe('cert-result');
    if (result.kind === 'cert-result') {
      expect(result.chain[0]).toBe(Buffer.from(leaf.der).toString('hex'));
      expect(result.path[2].source).toBe('anchor');
    }
  });

  it('reports the failure with its code and names in the trace', async () => {
    const { root, inter, leaf } = await simpleChain('example.com');
    const events: NewTraceEvent[] = [];
    const v = createVerifier({ anchors: [root.der] });
    const out = await v.verify({ chain: [leaf.der, inter.der], serverName: 'other.example', purpose: 'server', now: NOW, emit: (e) => events.push(e) });
    expect(out.ok).toBe(false);
    expect(out.error).toMatchObject({ code: 'HOSTNAME_MISMATCH', openssl: 'X509_V_ERR_HOSTNAME_MISMATCH', secureTransport: 'errSSLHostNameMismatch' });
    const failed = events.find((e) => e.kind === 'cert-check' && e.ok === false);
    expect(failed).toMatchObject({ check: 'hostname', certificate: 0, code: 'HOSTNAME_MISMATCH' });
    const result = events.find((e) => e.kind === 'cert-result');
    expect(result).toMatchObject({ ok: false, error: { code: 'HOSTNAME_MISMATCH' } });
  });

  it('uses the injected clock and refuses an empty chain', async () => {
    const { root, inter, leaf } = await simpleChain('example.com');
    const late = createVerifier({ anchors: [root.der], now: () => new Date(leaf.cert.notAfter.getTime() + 60_000) });
    const out = await late.verify({ chain: [leaf.der, inter.der], serverName: 'example.com', purpose: 'server', now: NOW, emit: () => {} });
    expect(out.error?.code).toBe('EXPIRED');
    const empty = await late.verify({ chain: [], purpose: 'server', now: NOW, emit: () => {} });
    expect(empty.error?.code).toBe('NO_CERTIFICATE');
  });

  it('by default trusts the Mozilla store and not a private root', async () => {
    const { inter, leaf } = await simpleChain('example.com');
    const out = await createVerifier().verify({ chain: [leaf.der, inter.der], serverName: 'example.com', purpose: 'server', now: NOW, emit: () => {} });
    expect(out.error?.code).toBe('UNKNOWN_ISSUER');
    expect(out.error?.windowsCE).toBe('SSL_CERT_FLAG_ISSUER_UNKNOWN');
  });

  it('trusts an extra root for one session on top of the store', async () => {
    const { root, inter, leaf } = await simpleChain('example.com');
    const out = await createVerifier({ extraAnchors: [root.der] }).verify({ chain: [leaf.der, inter.der], serverName: 'example.com', purpose: 'server', now: NOW, emit: () => {} });
    expect(out.ok).toBe(true);
  });
});

describe('the Mozilla root store', () => {
  it('holds every root of Node and records its provenance', () => {
    expect(MOZILLA_ROOTS_PROVENANCE.count).toBe(rootCertificates.length);
    expect(MOZILLA_ROOTS_PROVENANCE.node).toMatch(/^v\d+/);
    const store = mozillaTrustStore();
    expect(store.size).toBe(rootCertificates.length);
    expect(store.rejected).toEqual([]);
  });
});

describe('parseCertificate and input', () => {
  it('gives readable subject, issuer, serial, validity, SANs, key, extensions and fingerprint', async () => {
    const { leaf } = await simpleChain('example.com');
    const info = await parseCertificate(leaf.der);
    expect(info.subject).toBe('CN=example.com');
    expect(info.issuer).toBe('CN=Test Intermediate');
    expect(info.subjectAltNames).toEqual(['DNS:example.com']);
    expect(info.publicKey).toBe('EC P-256');
    expect(info.signatureAlgorithm).toBe('ECDSA with SHA-256');
    expect(info.notAfter).toBe(leaf.cert.notAfter.toISOString());
    expect(info.extensions.map((e) => e.name)).toContain('subjectAltName');
    expect(info.sha256).toBe(Buffer.from(await crypto.subtle.digest('SHA-256', leaf.der as Uint8Array<ArrayBuffer>)).toString('hex'));
    expect(info.serial).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2})*$/);
  });

  it('reads PEM with many certificates, DER, and concatenated DER', async () => {
    const { root, inter, leaf } = await simpleChain();
    const pem = `junk before\n${toPem(leaf.der)}${toPem(inter.der)}text between\n${toPem(root.der)}`;
    expect(readCertificates(pem).map((d) => d.length)).toEqual([leaf.der.length, inter.der.length, root.der.length]);
    expect(readCertificates(leaf.der)).toHaveLength(1);
    const both = new Uint8Array([...leaf.der, ...inter.der]);
    expect(readCertificates(both)).toHaveLength(2);
  });

  it('reports bad input with what and where', () => {
    expect(() => readCertificates('hello')).toThrow(CertificateInputError);
    expect(() => readCertificates('-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n')).toThrow(/base64/);
    try {
      readCertificates(new Uint8Array([0x30, 0x05, 0x01, 0x02]));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CertificateInputError);
      expect((e as CertificateInputError).offset).toBe(0);
      expect((e as Error).message).toMatch(/neither a certificate \(PEM, DER\) nor a PKCS#7 bundle/);
    }
  });
});

describe('asn1Tree', () => {
  it('gives tag, length, offset and depth for every node, opening encapsulated DER', async () => {
    const { leaf } = await simpleChain();
    const tree = asn1Tree(leaf.der);
    expect(tree.tagName).toBe('SEQUENCE');
    expect(tree.offset).toBe(0);
    expect(tree.headerLength + tree.length).toBe(leaf.der.length);
    const tbs = tree.children![0];
    expect(tbs.depth).toBe(1);
    const flat: typeof tree[] = [];
    const walk = (n: typeof tree) => {
      flat.push(n);
      n.children?.forEach(walk);
    };
    walk(tree);
    expect(flat.some((n) => n.tagName === 'OBJECT IDENTIFIER' && n.value === '2.5.29.17')).toBe(true);
    // The SAN extension's OCTET STRING is opened to show the GeneralNames inside.
    expect(flat.some((n) => n.tagName === '[2] IMPLICIT' && n.value === 'example.com')).toBe(true);
    for (const n of flat) expect(n.offset + n.headerLength + n.length).toBeLessThanOrEqual(leaf.der.length);
  });

  it('stays bounded on deep nesting and huge lengths', () => {
    const depth = 10_000;
    const deep = new Uint8Array(depth * 2);
    for (let i = 0; i < depth; i++) {
      deep[i * 2] = 0x30;
      deep[i * 2 + 1] = 0x80; // indefinite length: refused at once
    }
    expect(() => asn1Tree(deep)).toThrow(DerError);
    // Properly nested, definite lengths, deeper than the limit.
    const n = DER_LIMITS.maxDepth + 10;
    let inner: number[] = [0x05, 0x00];
    for (let i = 0; i < n; i++) inner = [0x30, ...lengthOf(inner.length), ...inner];
    expect(() => asn1Tree(new Uint8Array(inner))).toThrow(/nesting deeper/);
    expect(() => asn1Tree(new Uint8Array([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00]))).toThrow(/runs past the end/);
  });
});

function lengthOf(n: number): number[] {
  if (n < 0x80) return [n];
  if (n < 0x100) return [0x81, n];
  return [0x82, n >> 8, n & 0xff];
}
