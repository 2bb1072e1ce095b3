// The x509-limbo harness: run each testcase through validateChain and report SUCCESS / FAILURE,
// SKIPPED (with the reason) for features we do not implement, HANG past a per-case time limit.
// A case whose features ask for another profile (strict CA/B, plain RFC 5280) is run under it.
import type { KeyUsageName } from './extensions.ts';
import type { ProfileName } from './profile.ts';
import { CRL_LABELS, pemToDer } from './pem.ts';
import { TrustStore } from './trustStore.ts';
import { validateChain, type ValidationResult } from './validate.ts';

export interface LimboTestcase {
  id: string;
  features?: string[];
  validation_kind: 'SERVER' | 'CLIENT';
  trusted_certs: string[];
  untrusted_intermediates: string[];
  peer_certificate: string;
  validation_time: string | null;
  key_usage?: string[] | null;
  extended_key_usage?: string[] | null;
  expected_result: 'SUCCESS' | 'FAILURE';
  expected_peer_name?: { kind: 'DNS' | 'IP' | 'RFC822'; value: string } | null;
  max_chain_depth?: number | null;
  crls?: string[];
}

export interface LimboResult {
  id: string;
  actual_result: 'SUCCESS' | 'FAILURE' | 'SKIPPED' | 'HANG';
  context: string | null;
}

/** Features naming behaviour TLS Lens does not implement, and why (none left: see FEATURE_PROFILES). */
export const UNSUPPORTED_FEATURES: Record<string, string> = {};

/**
 * Features that ask for a profile other than the default browser one: the case is run under it.
 * `pedantic-webpki-eku`: the strict CA/B rules on EKU (required in subscriber certificates, never
 * anyExtendedKeyUsage, none in roots); `rfc5280-incompatible-with-webpki` and `pedantic-rfc5280`:
 * plain RFC 5280 (critical nameConstraints, an AKI on a trust anchor that is not self-issued).
 */
export const FEATURE_PROFILES: Record<string, ProfileName> = {
  'pedantic-webpki-eku': 'cabf',
  'rfc5280-incompatible-with-webpki': 'rfc5280',
  'pedantic-rfc5280': 'rfc5280',
};

/**
 * The profile a testcase declares through its features, or the default. Features only: the suite's other
 * metadata (validation_kind, importance) is the same for cases that expect opposite answers on the same
 * certificate shape (rfc5280::ca-as-leaf and webpki::ca-as-leaf), and a case id is never a rule.
 */
export function profileFor(tc: Pick<LimboTestcase, 'features'>): ProfileName | undefined {
  for (const f of tc.features ?? []) if (FEATURE_PROFILES[f]) return FEATURE_PROFILES[f];
  return undefined;
}

const EKU_NAMES: Record<string, 'server' | 'client' | undefined> = { serverAuth: 'server', clientAuth: 'client' };

function unsupported(tc: LimboTestcase): string | undefined {
  for (const f of tc.features ?? []) if (UNSUPPORTED_FEATURES[f]) return `${f}: ${UNSUPPORTED_FEATURES[f]}`;
  if (tc.expected_peer_name?.kind === 'RFC822' && tc.validation_kind === 'SERVER') return 'RFC822 server names are not supported';
  for (const e of tc.extended_key_usage ?? []) if (!EKU_NAMES[e]) return `extended key usage ${e} is not supported`;
  return undefined;
}

export class LimboRunner {
  private readonly stores = new Map<string, TrustStore>();

  constructor(
    private readonly timeoutMs = 10_000,
    /** commonNameInSan: the strict CN rule on every case; profile: one profile for every case, whatever its features. */
    private readonly profile: { commonNameInSan?: boolean; profile?: ProfileName } = {},
  ) {}

  private storeFor(pems: string[]): TrustStore {
    const key = pems.join('');
    let store = this.stores.get(key);
    if (!store) {
      store = new TrustStore(pems.flatMap((p) => pemToDer(p)));
      if (this.stores.size > 256) this.stores.clear();
      this.stores.set(key, store);
    }
    return store;
  }

  /** Validate one testcase; the full result is returned for tests that want the reason. */
  async validate(tc: LimboTestcase): Promise<ValidationResult> {
    const purpose = tc.validation_kind === 'CLIENT' ? 'client' : (EKU_NAMES[(tc.extended_key_usage ?? [])[0]] ?? 'server');
    const peer = tc.expected_peer_name;
    return validateChain({
      leaf: pemToDer(tc.peer_certificate)[0],
      intermediates: tc.untrusted_intermediates.flatMap((p) => pemToDer(p)),
      anchors: this.storeFor(tc.trusted_certs),
      time: tc.validation_time ? new Date(tc.validation_time) : new Date(),
      name: tc.validation_kind === 'SERVER' && peer && (peer.kind === 'DNS' || peer.kind === 'IP') ? peer.value : undefined,
      purpose,
      maxDepth: tc.max_chain_depth ?? undefined,
      requiredKeyUsage: (tc.key_usage ?? []) as KeyUsageName[],
      crls: (tc.crls ?? []).flatMap((p) => pemToDer(p, CRL_LABELS)),
      // Only `true` adds the CN rule: an explicit false would take it from a case run under the strict profile.
      commonNameInSan: this.profile.commonNameInSan || undefined,
      profile: this.profile.profile ?? profileFor(tc),
    });
  }

  async run(tc: LimboTestcase): Promise<LimboResult> {
    const reason = unsupported(tc);
    if (reason) return { id: tc.id, actual_result: 'SKIPPED', context: reason };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), this.timeoutMs)));
    try {
      const r = await Promise.race([this.validate(tc), hang]);
      if (r === 'hang') return { id: tc.id, actual_result: 'HANG', context: `no answer within ${this.timeoutMs} ms` };
      return r.ok
        ? { id: tc.id, actual_result: 'SUCCESS', context: null }
        : { id: tc.id, actual_result: 'FAILURE', context: `${r.error!.code}: ${r.error!.message}` };
    } catch (e) {
      return { id: tc.id, actual_result: 'FAILURE', context: `input error: ${(e as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
  }
}
