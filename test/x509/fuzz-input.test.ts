// Property fuzzing of the chains people bring to the workbench and `tls-lens verify`: real openssl chains (RSA,
// ECDSA, Ed25519; an intermediate with name constraints and policies), a CRL, PKCS#7 bundles and Mozilla roots,
// damaged at every layer (fuzz-mutations.ts), read by `readCertificateInput` and decided by the workbench's `decide`
// (the `validateChain` the CLI runs, with allPaths) under varied settings. Properties: it returns in bounded time and
// never throws anything but a ChainInputError; the certificates before the damaged one are still listed; every message
// is plain words and the verdict JSON-serialisable as `verify --json` prints it; a changed certificate never verifies
// unless it was signed again. FUZZ_RUNS / FUZZ_SEED as in test/support/fuzz.ts.
import 'reflect-metadata';
import fc from 'fast-check';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide, DEFAULT_SETTINGS, readShareFragment, shareFragment, type WorkbenchSettings } from '../../src/ui/workbench/model.ts';
import { readLogList } from '../../src/x509/sct.ts';
import { decodeCrl } from '../../src/x509/crl.ts';
import { ChainInputError, readCertificateInput, type SourcedCertificate } from '../../src/x509/input.ts';
import { mozillaTrustStore } from '../../src/x509/mozillaStore.ts';
import { CRL_LABELS, pemToDer } from '../../src/x509/pem.ts';
import { verdictJson } from '../../src/x509/verdict.ts';
import { fuzzRunOptions } from '../support/fuzz.ts';
import { expectPlain } from '../support/plain-words.ts';
import { derMutation, mutateDer, pemBlock, pemDamage, pemText, pkcs7Of, type Container, type DerMutation, type PemDamage } from './fuzz-mutations.ts';
import { hex, makeX509Seeds, type X509Seeds } from './fuzz-seeds.ts';

let seeds: X509Seeds;
beforeAll(() => {
  seeds = makeX509Seeds();
}, 60_000);
afterAll(() => seeds?.cleanup());

/** A decision must come back within this (generous: two cores shared with other runs); hostile input is bounded far below. */
const TIME_BOUND_MS = 8000;

interface Case {
  chain: number;
  withRoot: boolean;
  withMozilla: boolean;
  target: number;
  mutation?: DerMutation;
  container: Container;
  asText: boolean;
  pem: PemDamage;
  bundleGarbage?: DerMutation;
  crl: 'none' | 'seed' | 'mutated' | 'pem-damaged';
  crlMutation: DerMutation;
  settings: { profile: WorkbenchSettings['profile']; time?: string; name: string; purpose: 'server' | 'client'; mozilla: boolean; trustChainRoot: boolean; maxDepth: number; anchors: boolean };
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  chain: fc.nat(2),
  withRoot: fc.boolean(),
  withMozilla: fc.boolean(),
  target: fc.nat(),
  mutation: fc.option(derMutation, { nil: undefined, freq: 6 }),
  container: fc.constantFrom<Container>('pem', 'pem', 'der', 'p7-pem', 'p7-der', 'base64', 'utf16-pem'),
  asText: fc.boolean(),
  pem: pemDamage,
  bundleGarbage: fc.option(derMutation, { nil: undefined, freq: 3 }),
  crl: fc.constantFrom('none' as const, 'seed' as const, 'mutated' as const, 'pem-damaged' as const),
  crlMutation: derMutation,
  settings: fc.record({
    profile: fc.constantFrom('browser' as const, 'cabf' as const, 'rfc5280' as const),
    time: fc.constantFrom(undefined, '2000-01-01T00:00:00Z', '2031-06-01T12:00:00Z', '2100-01-01T00:00:00Z', '1950-06-01T00:00:00Z'),
    name: fc.constantFrom('', 'www.example.test', 'x.api.example.test', 'other.example.test', 'bad.example.test', '10.1.2.3', '::1', 'not a host!', 'xn--bcher-kva.example.test'),
    purpose: fc.constantFrom('server' as const, 'client' as const),
    mozilla: fc.boolean(),
    trustChainRoot: fc.boolean(),
    maxDepth: fc.nat(10),
    anchors: fc.boolean(),
  }),
});

interface Built {
  input: Uint8Array | string;
  /** Certificates that must still be listed: the ones before the damage. */
  intact: Uint8Array[];
  resigned: boolean;
}

function build(c: Case): Built {
  const seed = seeds.chains[c.chain];
  const certs = [...seed.chain, ...(c.withRoot ? [seed.root] : []), ...(c.withMozilla ? [seeds.mozilla[c.target % seeds.mozilla.length]] : [])];
  let damagedFrom = Infinity;
  let resigned = false;
  if (c.mutation) {
    const t = c.target % certs.length;
    const m = mutateDer(certs[t], c.mutation, seed.signers[t]);
    certs[t] = m.der;
    resigned = m.resigned;
    damagedFrom = t;
  }
  const before = (n: number) => certs.slice(0, Math.min(n, certs.length));
  const text = (t: string): Uint8Array | string => (c.asText ? t : new Uint8Array(Buffer.from(t, 'latin1')));
  switch (c.container) {
    case 'pem':
    case 'utf16-pem': {
      const p = pemText(certs, c.pem);
      const intact = before(Math.min(damagedFrom, p.damagedFrom));
      if (c.container === 'pem') return { input: text(p.text), intact, resigned };
      return { input: new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(p.text, 'utf16le')])), intact, resigned };
    }
    case 'der':
      return { input: new Uint8Array(Buffer.concat(certs)), intact: before(damagedFrom), resigned };
    case 'base64':
      return { input: Buffer.concat(certs).toString('base64').replace(/.{76}/g, '$&\n'), intact: before(damagedFrom), resigned };
    case 'p7-der':
    case 'p7-pem': {
      let bundle = pkcs7Of(certs);
      let intact = before(damagedFrom);
      if (c.bundleGarbage) {
        bundle = mutateDer(bundle, c.bundleGarbage).der;
        intact = [];
      }
      return { input: c.container === 'p7-der' ? bundle : text(pemBlock(bundle, 'PKCS7')), intact, resigned };
    }
  }
}

/** CRLs as the workbench reads a CRL file (and `verify --crls` does): each problem in words, the readable ones kept. */
function loadCrls(c: Case, messages: string[]): Uint8Array[] {
  let bytes: Uint8Array;
  if (c.crl === 'none') return [];
  if (c.crl === 'seed') bytes = seeds.crl;
  else if (c.crl === 'mutated') bytes = mutateDer(seeds.crl, c.crlMutation).der;
  else {
    const at = 40 + (c.target % (seeds.crlPem.length - 80));
    bytes = new Uint8Array(Buffer.from(seeds.crlPem.slice(0, at) + (c.target % 2 ? '!' : '') + seeds.crlPem.slice(at + 1), 'latin1'));
  }
  let ders: Uint8Array[];
  try {
    ders = bytes[0] === 0x30 ? [bytes] : pemToDer(new TextDecoder('latin1').decode(bytes), CRL_LABELS);
  } catch (e) {
    messages.push((e as Error).message);
    return [];
  }
  return ders.filter((der) => {
    try {
      decodeCrl(der);
      return true;
    } catch (e) {
      messages.push((e as Error).message);
      return false;
    }
  });
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** One case through the workbench's way: read, then decide. Returns what the checks need. */
async function runCase(c: Case): Promise<{ millis: number; ok?: boolean }> {
  const built = build(c);
  const why = JSON.stringify({ ...c, mutation: c.mutation, input: undefined });
  const messages: string[] = [];
  let read: SourcedCertificate[];
  try {
    const r = readCertificateInput(built.input, 'chain.pem');
    read = r.certificates;
    messages.push(...r.notices.map((n) => n.message));
  } catch (e) {
    expect(e, `${why}: ${(e as Error).stack}`).toBeInstanceOf(ChainInputError);
    const err = e as ChainInputError;
    read = err.certificates;
    messages.push(err.message, err.problem, ...err.notices.map((n) => n.message));
    expect(Number.isInteger(err.offset), why).toBe(true);
  }
  for (const [i, d] of built.intact.entries()) expect(read.some((s) => sameBytes(s.der, d)), `${why}: certificate ${i}, before the damage, is not listed`).toBe(true);
  // The same input as trust anchors (lenient: an undecodable certificate is set aside with a notice).
  try {
    const anchors = readCertificateInput(built.input, 'roots.pem', { lenient: true });
    for (const d of built.intact) expect(anchors.certificates.some((s) => sameBytes(s.der, d)), `${why}: as anchors`).toBe(true);
    messages.push(...anchors.notices.map((n) => n.message));
  } catch (e) {
    expect(e, `${why}: ${(e as Error).stack}`).toBeInstanceOf(ChainInputError);
    messages.push((e as Error).message);
  }
  const crls = loadCrls(c, messages);
  for (const m of messages) expectPlain(m, why);
  if (read.length === 0) return { millis: 0 };
  const seed = seeds.chains[c.chain];
  const s = c.settings;
  const settings: WorkbenchSettings = { ...DEFAULT_SETTINGS, profile: s.profile, time: s.time, name: s.name, purpose: s.purpose, mozilla: s.mozilla, trustChainRoot: s.trustChainRoot, maxDepth: s.maxDepth };
  const chain = { certificates: read.map((r) => r.der), anchors: s.anchors ? [seed.root] : [], crls, certificateTrust: read.map((r) => r.trustSettings) };
  const started = performance.now();
  const d = await decide(chain, settings, mozillaTrustStore);
  const millis = performance.now() - started;
  expect(millis, `${why}: took ${millis} ms`).toBeLessThan(TIME_BOUND_MS);
  const json = JSON.parse(JSON.stringify(verdictJson(d.result, s.profile)));
  expect(typeof json.ok, why).toBe('boolean');
  JSON.stringify(d.result.search);
  if (d.result.error) expectPlain(d.result.error.message, why);
  for (const step of d.result.steps) expectPlain(step.detail, `${why}: step ${step.check}`);
  // Nothing changed verifies: every certificate in an accepted path that is not an anchor is one openssl made.
  if (d.result.ok && !built.resigned) {
    for (const p of d.result.path) if (p.source === 'peer') expect(seeds.original.has(hex(p.der)), `${why}: a changed certificate verified`).toBe(true);
  }
  return { millis, ok: d.result.ok };
}

describe('x509 input fuzzing', () => {
  it('damaged chains are read and decided in plain words, in bounded time, losing nothing before the damage', async () => {
    const seen = { runs: 0, decided: 0, valid: 0, slowest: 0 };
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const r = await runCase(c);
        seen.runs++;
        if (r.ok !== undefined) seen.decided++;
        if (r.ok) seen.valid++;
        seen.slowest = Math.max(seen.slowest, r.millis);
      }),
      { ...fuzzRunOptions(), numRuns: Number(process.env.FUZZ_RUNS ?? 120) },
    );
    if (process.env.FUZZ_REPORT) console.log(seen);
    // The fuzzing reaches decisions, and some chains still verify (not everything was damaged into refusal).
    expect(seen.decided).toBeGreaterThan(seen.runs / 4);
    expect(seen.valid).toBeGreaterThan(0);
  }, 120_000);

  it('the seeds verify undamaged in every container (so damage is what the fuzzing finds)', async () => {
    for (const container of ['pem', 'der', 'p7-pem', 'p7-der', 'base64', 'utf16-pem'] as Container[]) {
      for (let chain = 0; chain < 3; chain++) {
        const c: Case = { chain, withRoot: true, withMozilla: false, target: 0, container, asText: false, pem: { kind: 'none' }, crl: chain === 0 ? 'seed' : 'none', crlMutation: { op: 'cut', at: 0 }, settings: { profile: 'browser', name: 'www.example.test', purpose: 'server', mozilla: false, trustChainRoot: true, maxDepth: 8, anchors: false } };
        expect((await runCase(c)).ok, `${container} chain ${chain}`).toBe(true);
      }
    }
  }, 60_000);
});

describe("the workbench's other inputs", () => {
  it('damaged share links and CT log lists: refused in plain words, or loaded and decided', async () => {
    const seed = () => seeds.chains[0];
    const link = await shareFragment({ certificates: seed().chain, anchors: [seed().root], crls: [seeds.crl] }, { ...DEFAULT_SETTINGS, name: 'www.example.test', profile: 'rfc5280' });
    const logList = JSON.stringify({ operators: [{ name: 'op', logs: [{ description: 'log', key: Buffer.from(seed().root).toString('base64') }] }] });
    const edit = fc.record({ at: fc.nat(), kind: fc.constantFrom('cut', 'replace', 'delete', 'insert'), ch: fc.constantFrom('A', '_', '-', '=', '%', '\u0430', '{', '"', '0') });
    const apply = (text: string, e: { at: number; kind: string; ch: string }) => {
      const at = e.at % text.length;
      return e.kind === 'cut' ? text.slice(0, at) : e.kind === 'delete' ? text.slice(0, at) + text.slice(at + 1) : e.kind === 'insert' ? text.slice(0, at) + e.ch + text.slice(at) : text.slice(0, at) + e.ch + text.slice(at + 1);
    };
    await fc.assert(
      fc.asyncProperty(edit, edit, async (e1, e2) => {
        const damaged = apply(link, e1);
        try {
          const shared = await readShareFragment(damaged);
          if (shared && shared.chain.certificates.length) {
            const d = await decide(shared.chain, shared.settings, mozillaTrustStore);
            for (const step of d.result.steps) expectPlain(step.detail, damaged);
          }
        } catch (e) {
          expect((e as Error).message, damaged).toMatch(/nothing was loaded$/);
          expectPlain((e as Error).message, damaged);
        }
        const list = apply(logList, e2);
        try {
          readLogList(list);
        } catch (e) {
          expectPlain((e as Error).message, list);
        }
      }),
      { ...fuzzRunOptions(), numRuns: Number(process.env.FUZZ_RUNS ?? 100) },
    );
  }, 120_000);
});

describe('tls-lens verify --json on damaged files', () => {
  const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
  const run = promisify(execFile);
  it('prints JSON in plain words and exits 0, 1 or 2', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tls-lens-x509-fuzz-cli-'));
    try {
      const cases = fc.sample(caseArb, { numRuns: 6, seed: Number(process.env.FUZZ_SEED ?? 20261207) });
      for (const [i, c] of cases.entries()) {
        const built = build(c);
        const leaf = path.join(dir, `leaf-${i}`);
        const root = path.join(dir, `root-${i}.pem`);
        writeFileSync(leaf, typeof built.input === 'string' ? Buffer.from(built.input, 'latin1') : built.input);
        writeFileSync(root, pemBlock(seeds.chains[c.chain].root, 'CERTIFICATE'));
        const args = [BIN, 'verify', '--leaf', leaf, '--roots', root, '--json', '--profile', c.settings.profile === 'cabf' ? 'strict' : c.settings.profile, '--purpose', c.settings.purpose];
        let out: { code: number; stdout: string; stderr: string };
        try {
          out = { code: 0, ...(await run(process.execPath, args, { timeout: 60_000 })) };
        } catch (e) {
          out = e as { code: number; stdout: string; stderr: string };
        }
        const why = `${JSON.stringify(c)}: ${out.stderr}`;
        expect([0, 1, 2], why).toContain(out.code);
        const json = JSON.parse(out.stdout);
        if (json.error) expectPlain(json.error.message, why);
        if (!json.steps) expect(json.error.code, why).not.toBe('INTERNAL_ERROR');
        for (const s of json.steps ?? []) expectPlain(s.detail, why);
        expect(out.stderr, why).not.toMatch(/\bat \S+ \(|TypeError|RangeError/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
