// The workbench's model, free of React: the chain a person brought, the what-if settings, one decision
// over both, and the share link (deflate-raw + base64url in the URL fragment, never sent to a server).
import { decodeCertificate, type DecodedCertificate } from '../../x509/certificate.ts';
import { pickLeaf } from '../../x509/input.ts';
import type { ProfileName } from '../../x509/profile.ts';
import { TrustStore } from '../../x509/trustStore.ts';
import { DEFAULT_MAX_DEPTH, policyInputs, validateChain, type ValidationResult } from '../../x509/validate.ts';
import { base64Encode, derToPem } from '../../x509/pem.ts';
import { concatAll, equalBytes } from '../../util/bytes.ts';
import { processPolicies, type PolicyInputs, type PolicyOutcome } from '../../x509/policy.ts';
import { EKU } from '../../x509/extensions.ts';
import { describeTrust, trustAllows, type TrustSettings } from '../../x509/trusted-pem.ts';

export interface WorkbenchSettings {
  /** Validation time, ISO-8601; undefined = now. */
  time?: string;
  /** Host name or IP address to match; empty = not checked. */
  name: string;
  purpose: 'server' | 'client';
  /** Trust the bundled Mozilla store. */
  mozilla: boolean;
  /** Trust the self-signed certificates among those brought ("trust this chain's root"). */
  trustChainRoot: boolean;
  maxDepth: number;
  profile: ProfileName;
  /** Policy OIDs the relying party requires, space- or comma-separated; empty = any policy, none required. */
  requiredPolicies: string;
  /** RFC 5280 6.1.1 (e): do not follow policy mappings. */
  inhibitPolicyMapping: boolean;
  /** RFC 5280 6.1.1 (f): anyPolicy in a certificate does not stand for every policy. */
  inhibitAnyPolicy: boolean;
  /** Index of the leaf among `certificates`; undefined = found automatically. */
  leaf?: number;
}

export const DEFAULT_SETTINGS: WorkbenchSettings = { name: '', purpose: 'server', mozilla: true, trustChainRoot: false, maxDepth: DEFAULT_MAX_DEPTH, profile: 'browser', requiredPolicies: '', inhibitPolicyMapping: false, inhibitAnyPolicy: false };

/** What the decision runs on: DER of every certificate brought, anchors added by hand, CRLs. */
export interface WorkbenchChain {
  certificates: Uint8Array[];
  anchors: Uint8Array[];
  crls: Uint8Array[];
  /**
   * OpenSSL trust settings that came with a certificate (a TRUSTED CERTIFICATE block), by its index in
   * `certificates` / `anchors`: such a certificate anchors a path only for a purpose they allow.
   */
  certificateTrust?: (TrustSettings | undefined)[];
  anchorTrust?: (TrustSettings | undefined)[];
}

/** A certificate that would have been a trust anchor, left out because its trust settings refuse the purpose. */
export interface SetAsideAnchor {
  /** Where it is: among the anchors added, or among the chain's certificates ("trust this chain's root"). */
  list: 'anchors' | 'certificates';
  index: number;
  reason: string;
}

const PURPOSE_OID = { server: EKU.serverAuth, client: EKU.clientAuth } as const;

/**
 * Why a certificate with these OpenSSL trust settings may not anchor a path for `purpose`, in plain words; undefined
 * when it may. The rule is `trustAllows`, the one `tls-lens verify` applies to its roots.
 */
export function trustRefusal(trust: TrustSettings | undefined, purpose: WorkbenchSettings['purpose']): string | undefined {
  if (!trust || trustAllows(trust, PURPOSE_OID[purpose])) return undefined;
  return `not used as a trust anchor for a TLS ${purpose} check: its OpenSSL trust settings (${describeTrust(trust)}) do not allow ${purpose}Auth`;
}

export interface Decision {
  result: ValidationResult;
  leafIndex: number;
  /** `${check}@${certificate}` of each step whose outcome differs from the previous decision. */
  changed: Set<string>;
  millis: number;
  /** RFC 5280 §6.1 over the path the verdict is about: the valid_policy_tree to draw (absent without a path). */
  policy?: PolicyOutcome;
  /** Anchors left out because their trust settings refuse the purpose (as `tls-lens verify` leaves out such roots). */
  setAside: SetAsideAnchor[];
}

export const stepKey = (s: { check: string; certificate: number }) => `${s.check}@${s.certificate}`;

function safeDecode(der: Uint8Array): DecodedCertificate | undefined {
  try {
    return decodeCertificate(der);
  } catch {
    return undefined;
  }
}

// The last store built: a what-if that leaves the anchors alone reuses it instead of copying the Mozilla store.
let lastStore: { base?: TrustStore; extra: Uint8Array[]; store: TrustStore } | undefined;

function anchorStore(base: TrustStore | undefined, extra: Uint8Array[]): TrustStore {
  const usable = extra.filter((der) => safeDecode(der));
  const same = lastStore && lastStore.base === base && lastStore.extra.length === usable.length && lastStore.extra.every((der, i) => equalBytes(der, usable[i]));
  if (same) return lastStore!.store;
  const store = base ? (usable.length ? base.with(usable) : base) : new TrustStore(usable);
  lastStore = { base, extra: usable, store };
  return store;
}

/** Run the decision once. `mozilla` is the bundled store (passed in so the model stays free of it). */
export async function decide(chain: WorkbenchChain, settings: WorkbenchSettings, mozilla: () => TrustStore, previous?: ValidationResult): Promise<Decision> {
  const started = performance.now();
  const decoded = chain.certificates.map(safeDecode);
  const leafIndex = settings.leaf !== undefined && settings.leaf < chain.certificates.length ? settings.leaf : pickLeaf(decoded.filter((d): d is DecodedCertificate => !!d));
  const extra: Uint8Array[] = [];
  const setAside: SetAsideAnchor[] = [];
  const offer = (der: Uint8Array, trust: TrustSettings | undefined, list: SetAsideAnchor['list'], index: number) => {
    const reason = trustRefusal(trust, settings.purpose);
    if (reason) setAside.push({ list, index, reason });
    else extra.push(der);
  };
  chain.anchors.forEach((der, i) => offer(der, chain.anchorTrust?.[i], 'anchors', i));
  if (settings.trustChainRoot) decoded.forEach((d, i) => d?.selfIssued && i !== leafIndex && offer(chain.certificates[i], chain.certificateTrust?.[i], 'certificates', i));
  const store = anchorStore(settings.mozilla ? mozilla() : undefined, extra);
  const requiredPolicies = settings.requiredPolicies.split(/[\s,]+/).filter((p) => /^\d+(\.\d+)+$/.test(p));
  const result = await validateChain({
    leaf: chain.certificates[leafIndex],
    intermediates: chain.certificates.filter((_, i) => i !== leafIndex),
    anchors: store,
    time: settings.time ? new Date(settings.time) : new Date(),
    name: settings.name.trim() || undefined,
    purpose: settings.purpose,
    maxDepth: settings.maxDepth,
    crls: chain.crls,
    profile: settings.profile,
    requiredPolicies,
    inhibitPolicyMapping: settings.inhibitPolicyMapping,
    inhibitAnyPolicy: settings.inhibitAnyPolicy,
    allPaths: true,
    // The vetted platform store is taken as it is; anchors added by hand get every profile rule.
    strictAnchors: !settings.mozilla,
  });
  // Checks only: the search's link steps are drawn with the search itself.
  const checks = (steps: ValidationResult['steps']) => steps.filter((s) => s.check !== 'issuerCandidate');
  const before = new Map(checks(previous?.steps ?? []).map((s) => [stepKey(s), s.ok]));
  // Changed: a different outcome, or a check that did not run before (e.g. revocation once CRLs are given).
  const changed = new Set(previous ? checks(result.steps).filter((s) => before.get(stepKey(s)) !== s.ok).map(stepKey) : []);
  const millis = performance.now() - started;
  return { result, leafIndex, changed, millis, policy: policyOf(result, policyInputs({ ...settings, requiredPolicies })), setAside };
}

/** The policy processing of the verdict's path again, this time keeping its tree for the view. */
function policyOf(result: ValidationResult, inputs: PolicyInputs): PolicyOutcome | undefined {
  if (result.path.length === 0) return undefined;
  const path = result.path.map((p) => ({ cert: safeDecode(p.der), anchor: p.source === 'anchor' }));
  if (path.some((p) => !p.cert)) return undefined;
  return processPolicies(path as { cert: DecodedCertificate; anchor: boolean }[], inputs);
}

/** The chain as PEM, in path order (leaf first). */
export function pathPem(result: ValidationResult): string {
  return result.path.map((p) => derToPem(p.der)).join('');
}

// --- Share links -----------------------------------------------------------------------------

interface SharePayload {
  v: 1;
  c: string[];
  a?: string[];
  r?: string[];
  /** Trust settings of certificates (`c`) and anchors (`a`) that came with some, by index. */
  ct?: Record<string, TrustSettings>;
  at?: Record<string, TrustSettings>;
  s: Partial<WorkbenchSettings>;
}

function trustByIndex(list: (TrustSettings | undefined)[] | undefined): Record<string, TrustSettings> | undefined {
  const entries = (list ?? []).flatMap((t, i) => (t ? [[String(i), { trust: t.trust, reject: t.reject }] as const] : []));
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** Trust settings from a link, each checked: lists of OIDs, at indexes of the list they belong to. */
function trustFrom(raw: unknown, count: number): (TrustSettings | undefined)[] | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const oids = (v: unknown) => (Array.isArray(v) ? v.filter((o): o is string => typeof o === 'string' && /^\d+(\.\d+)+$/.test(o)) : []);
  const out: (TrustSettings | undefined)[] = new Array(count).fill(undefined);
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const i = Number(k);
    if (!Number.isInteger(i) || i < 0 || i >= count || !v || typeof v !== 'object') continue;
    const t = { trust: oids((v as TrustSettings).trust), reject: oids((v as TrustSettings).reject) };
    if (t.trust.length || t.reject.length) out[i] = t;
  }
  return out;
}

const b64 = base64Encode;
const unb64 = (text: string) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream, limit = Infinity): Promise<Uint8Array> {
  const out = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = out.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw new Error('the link holds more data than a chain can');
    }
    chunks.push(value);
  }
  return concatAll(chunks);
}

/** The fragment (without '#') that reopens this chain with these settings. */
export async function shareFragment(chain: WorkbenchChain, settings: WorkbenchSettings): Promise<string> {
  const s: Partial<WorkbenchSettings> = {};
  for (const [k, v] of Object.entries(settings) as [keyof WorkbenchSettings, unknown][]) {
    if (v !== undefined && v !== DEFAULT_SETTINGS[k]) (s as Record<string, unknown>)[k] = v;
  }
  const ct = trustByIndex(chain.certificateTrust);
  const at = trustByIndex(chain.anchorTrust);
  const payload: SharePayload = {
    v: 1,
    c: chain.certificates.map(b64),
    s,
    ...(chain.anchors.length ? { a: chain.anchors.map(b64) } : {}),
    ...(chain.crls.length ? { r: chain.crls.map(b64) } : {}),
    ...(ct ? { ct } : {}),
    ...(at ? { at } : {}),
  };
  const packed = await pipe(new TextEncoder().encode(JSON.stringify(payload)), new CompressionStream('deflate-raw'));
  return `workbench=${b64(packed).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

/** Read a share fragment back; throws with a plain message when the link is damaged. */
export async function readShareFragment(fragment: string): Promise<{ chain: WorkbenchChain; settings: WorkbenchSettings } | undefined> {
  const m = /(?:^|[#&])workbench=([A-Za-z0-9_-]+)/.exec(fragment);
  if (!m) return undefined;
  let payload: SharePayload;
  // Each stage's failure in words: the browser's and zlib's own texts ("invalid distance too far back", a JSON
  // excerpt of decompressed garbage) say nothing to a person holding a cut or mistyped link.
  let stage = 'it is not base64url';
  try {
    const text = m[1].replace(/-/g, '+').replace(/_/g, '/');
    const packed = unb64(text + '='.repeat((4 - (text.length % 4)) % 4));
    stage = 'it does not decompress: part of it is missing or changed';
    const raw = await pipe(packed, new DecompressionStream('deflate-raw'), 4 * 1024 * 1024);
    stage = 'what it holds is not the JSON TLS Lens writes';
    payload = JSON.parse(new TextDecoder().decode(raw));
  } catch (e) {
    const tooLarge = e instanceof Error && /more data than a chain can/.test(e.message) ? e.message : undefined;
    throw new Error(`this workbench link is damaged (${tooLarge ?? stage}); nothing was loaded`);
  }
  if (payload?.v !== 1 || !Array.isArray(payload.c)) throw new Error('this workbench link is not one TLS Lens made; nothing was loaded');
  let chain: WorkbenchChain;
  try {
    const ders = (list: unknown) => (Array.isArray(list) ? list.map((x) => unb64(String(x))) : []);
    const certificates = ders(payload.c);
    const anchors = ders(payload.a);
    chain = { certificates, anchors, crls: ders(payload.r), certificateTrust: trustFrom(payload.ct, certificates.length), anchorTrust: trustFrom(payload.at, anchors.length) };
  } catch {
    throw new Error('this workbench link is damaged (a certificate in it is not base64); nothing was loaded');
  }
  return { chain, settings: settingsFrom(payload.s) };
}

/** Settings from a link, each field checked: a hand-edited link cannot put a wrong type into the decision. */
function settingsFrom(raw: unknown): WorkbenchSettings {
  const s = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const out: WorkbenchSettings = { ...DEFAULT_SETTINGS };
  if (typeof s.time === 'string' && !Number.isNaN(new Date(s.time).getTime())) out.time = s.time;
  if (typeof s.name === 'string') out.name = s.name.slice(0, 255);
  if (s.purpose === 'client' || s.purpose === 'server') out.purpose = s.purpose;
  if (typeof s.mozilla === 'boolean') out.mozilla = s.mozilla;
  if (typeof s.trustChainRoot === 'boolean') out.trustChainRoot = s.trustChainRoot;
  if (Number.isInteger(s.maxDepth) && (s.maxDepth as number) >= 0 && (s.maxDepth as number) <= 32) out.maxDepth = s.maxDepth as number;
  if (s.profile === 'browser' || s.profile === 'cabf' || s.profile === 'rfc5280') out.profile = s.profile;
  if (typeof s.requiredPolicies === 'string') out.requiredPolicies = s.requiredPolicies.slice(0, 1000);
  if (typeof s.inhibitPolicyMapping === 'boolean') out.inhibitPolicyMapping = s.inhibitPolicyMapping;
  if (typeof s.inhibitAnyPolicy === 'boolean') out.inhibitAnyPolicy = s.inhibitAnyPolicy;
  if (Number.isInteger(s.leaf) && (s.leaf as number) >= 0) out.leaf = s.leaf as number;
  return out;
}
