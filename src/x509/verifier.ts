// The engine-facing verifier: implements src/tls/verifier.ts on top of validateChain, emitting
// every check as a 'cert-check' trace event and the outcome as a 'cert-result' event.
import type { CertificateVerifier, StapledOcspRequest, StapledOcspVerdict, VerifyOutcome, VerifyRequest } from '../tls/verifier.ts';
import { decodeCertificate } from './certificate.ts';
import { checkOcspResponse } from './ocsp.ts';
import { fromHex } from '../util/bytes.ts';
import { failure } from './errors.ts';
import type { DecodedCertificate } from './certificate.ts';
import { TrustStore } from './trustStore.ts';
import { validateChain, type ValidationResult } from './validate.ts';
import { toHex } from '../util/bytes.ts';
import { defineLazy, lazyHex } from '../trace/lazy-hex.ts';



/** The Mozilla store, loaded (and decoded) on first use: the roots stay out of bundles until then. */
export async function loadMozillaTrustStore(): Promise<TrustStore> {
  const { mozillaTrustStore } = await import('./mozillaStore.ts');
  return mozillaTrustStore();
}

export interface VerifierOptions {
  /** Trust anchors, as DER or decoded; default: the Mozilla store. */
  anchors?: (Uint8Array | DecodedCertificate)[];
  /** Extra anchors on top of the default store (e.g. a root the user trusts for one session). */
  extraAnchors?: Uint8Array[];
  /** OpenSSL verify_depth: intermediates allowed between leaf and anchor (default 8). */
  maxDepth?: number;
  /** Overrides the request's time (tests, replays). */
  now?: () => Date;
  /** Overrides the request's purpose. */
  purpose?: 'server' | 'client';
}

/**
 * A CertificateVerifier for the TLS engine. Its trust stores are decoded once and kept for every later
 * verification, so one verifier serves many connections. With `extraAnchors` on the default store, a chain is
 * first tried against those anchors alone: when it leads to one of them, the Mozilla store is never decoded
 * (a lab or a user-supplied root costs one certificate, not 144). Only the validation that decides is traced.
 */
export function createVerifier(options: VerifierOptions = {}): CertificateVerifier {
  const extra = options.extraAnchors?.length ? options.extraAnchors : undefined;
  // The caller's anchors are decoded now (a bad one is reported at once); Mozilla's when a chain needs them.
  const own = options.anchors ? (extra ? new TrustStore(options.anchors).with(extra) : new TrustStore(options.anchors)) : undefined;
  const extraOnly = !own && extra ? new TrustStore().with(extra) : undefined;
  let withMozilla: Promise<TrustStore> | undefined;
  const mozillaAndExtra = () => (withMozilla ??= loadMozillaTrustStore().then((m) => (extra ? m.with(extra) : m)));
  return {
    async verify(request: VerifyRequest): Promise<VerifyOutcome> {
      const emitStep = (s: ValidationResult['steps'][number]) =>
        request.emit({ kind: 'cert-check', check: s.check, certificate: s.certificate, ok: s.ok, detail: s.detail, ...(s.code ? { code: s.code } : {}), ...(s.span ? { span: s.span } : {}) });
      if (request.chain.length === 0) {
        const error = failure('NO_CERTIFICATE', 'the peer sent an empty certificate list');
        request.emit({ kind: 'cert-check', check: 'decode', certificate: -1, ok: false, detail: error.message, code: error.code });
        request.emit({ kind: 'cert-result', ok: false, chain: [], path: [], error });
        return { ok: false, error, path: [] };
      }
      const validate = (anchors: TrustStore, onStep: (s: ValidationResult['steps'][number]) => void) =>
        validateChain({
          leaf: request.chain[0],
          intermediates: request.chain.slice(1),
          anchors,
          time: options.now ? options.now() : request.now,
          name: request.serverName,
          purpose: options.purpose ?? request.purpose,
          maxDepth: options.maxDepth,
          // Mozilla's roots are vetted by its root program; some predate today's profile rules.
          strictAnchors: options.anchors !== undefined,
          onStep,
        });
      let result: ValidationResult | undefined;
      if (own) result = await validate(own, emitStep);
      else if (extraOnly) {
        const steps: ValidationResult['steps'] = [];
        const attempt = await validate(extraOnly, (s) => steps.push(s));
        if (attempt.ok) {
          steps.forEach(emitStep);
          result = attempt;
        }
      }
      result ??= await validate(await mozillaAndExtra(), emitStep);
      // Fingerprints and hex are made when first read: the engine traces its own 'cert-result' and drops this one.
      const path = result.path.map((p) => {
        const entry = { subject: p.subject, issuer: p.issuer, sha256: '', der: '', source: p.source };
        defineLazy(entry, 'sha256', () => p.sha256);
        return defineLazy(entry, 'der', lazyHex(p.der));
      });
      request.emit(defineLazy({ kind: 'cert-result', ok: result.ok, chain: [] as string[], path, ...(result.error ? { error: result.error } : {}) }, 'chain', () => request.chain.map((c) => toHex(c))));
      return { ok: result.ok, ...(result.error ? { error: result.error } : {}), path };
    },
    checkStapledOcsp: (request) => checkStapled(request, options.now ? options.now() : request.now),
  };
}

/**
 * A stapled response for `request.chain[request.certificate]`, checked against its issuer: the next certificate of
 * the path the chain check built, or (when it built none that far) a certificate sent in the chain by the issuer's
 * name. Each step is traced as a 'cert-check'; nothing here throws for what the response holds.
 */
async function checkStapled(request: StapledOcspRequest, now: Date): Promise<StapledOcspVerdict> {
  const target = request.chain[request.certificate];
  const emitStep = (s: { check: string; certificate: number; ok: boolean | null; detail: string; code?: string }) =>
    request.emit({ kind: 'cert-check', check: s.check, certificate: s.certificate, ok: s.ok, detail: s.detail, ...(s.code ? { code: s.code } : {}) });
  let cert;
  try {
    cert = decodeCertificate(target);
  } catch (e) {
    const detail = `the certificate the response is about cannot be read: ${(e as Error).message}`;
    emitStep({ check: 'ocspResponse', certificate: request.certificate, ok: false, detail });
    return { certificate: request.certificate, verdict: 'unverified', detail };
  }
  const at = request.path.findIndex((p) => p.der === toHex(target));
  const fromPath = at >= 0 && request.path[at + 1] ? fromHex(request.path[at + 1].der) : undefined;
  let issuer = fromPath ? decodeCertificate(fromPath) : undefined;
  if (!issuer) {
    for (const der of request.chain) {
      try {
        const c = decodeCertificate(der);
        if (c.subject.key === cert.issuer.key && der !== target) {
          issuer = c;
          break;
        }
      } catch {
        // A certificate that cannot be read issues nothing here.
      }
    }
  }
  const { steps, verdict } = await checkOcspResponse(request.response, cert, issuer, now, request.certificate);
  steps.forEach(emitStep);
  return verdict;
}
