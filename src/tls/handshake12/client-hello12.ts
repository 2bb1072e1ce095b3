// The TLS 1.2 parts of a ClientHello: suites, and the extensions that matter for 1.2 — ec_point_formats,
// extended_master_secret (RFC 7627), renegotiation_info (RFC 5746), session_ticket (RFC 5077),
// encrypt_then_mac (RFC 7366) — either added to the TLS 1.3 ClientHello or as a ClientHello of their own
// (TLS 1.2 only, and every renegotiation).
import { concat } from '../../util/bytes.ts';
import type { ResolvedOptions } from '../handshake/context.ts';
import { ExtensionType as X, ProtocolVersion } from '../messages/constants.ts';
import { STATUS_TYPE_OCSP, type Extension } from '../messages/extensions.ts';
import type { ClientHello } from '../messages/handshake.ts';
import type { Tls12Config, Tls12Context } from './context12.ts';
import type { Tls12Session } from './session12.ts';
import { isTls12Session } from './session12.ts';
import { TLS12_EXTRA_SCHEMES } from './signatures12.ts';

export interface Tls12HelloParts {
  suites: number[];
  extensions: Extension[];
  /** legacy_session_id: the session's id when resuming by id, else random (to see a ticket accepted). */
  sessionId: Uint8Array | null;
  signatureSchemes: number[];
  offeredSession: Tls12Session | null;
  offeredBy: 'id' | 'ticket' | null;
}

/** A stored session is offered only if its suite is still offered, it has not expired, and it names this server. */
function usableSession(o: ResolvedOptions, config: Tls12Config): Tls12Session | null {
  const s = o.session;
  if (!isTls12Session(s)) return null;
  if (!config.suites.some((x) => x.code === s.cipherSuite)) return null;
  if (s.serverName !== o.serverName) return null;
  const age = o.clock() - s.receivedAt;
  if (age < 0 || (s.lifetimeSeconds > 0 && age > s.lifetimeSeconds * 1000)) return null;
  if (!s.ticket && s.sessionId.length === 0) return null;
  return s;
}

export function tls12HelloParts(o: ResolvedOptions, config: Tls12Config, renegotiation: { clientVerifyData: Uint8Array } | null): Tls12HelloParts {
  const extensions: Extension[] = [];
  // ec_point_formats: uncompressed only (RFC 8422 §5.1.2).
  extensions.push({ code: X.ec_point_formats, data: Uint8Array.of(1, 0) });
  extensions.push({ code: X.extended_master_secret, data: new Uint8Array(0) });
  // renegotiation_info: empty on the first handshake, our last verify_data on a renegotiation.
  const ri = renegotiation ? renegotiation.clientVerifyData : new Uint8Array(0);
  extensions.push({ code: X.renegotiation_info, data: concat(Uint8Array.of(ri.length), ri) });
  if (config.suites.some((s) => s.cipher === 'AES-CBC')) extensions.push({ code: X.encrypt_then_mac, data: new Uint8Array(0) });
  const session = usableSession(o, config);
  let offeredBy: 'id' | 'ticket' | null = null;
  let sessionId: Uint8Array | null = null;
  if (config.sessionTickets) extensions.push({ code: X.session_ticket, data: session?.ticket ?? new Uint8Array(0) });
  if (session) {
    if (session.ticket && config.sessionTickets) {
      offeredBy = 'ticket';
      // RFC 5077 §3.4: a fresh session id, echoed by the server when it accepts the ticket.
      sessionId = o.random(32);
    } else if (session.sessionId.length) {
      offeredBy = 'id';
      sessionId = session.sessionId;
    }
  }
  const signatureSchemes = [...o.signatureSchemes, ...TLS12_EXTRA_SCHEMES.filter((s) => !o.signatureSchemes.includes(s))];
  return { suites: config.suites.map((s) => s.code), extensions, sessionId, signatureSchemes, offeredSession: offeredBy ? session : null, offeredBy };
}

/** A ClientHello that offers TLS 1.2 only (with --tls1.2, and for every renegotiation). */
export function buildClientHello12(ctx: Tls12Context, renegotiation: { clientVerifyData: Uint8Array } | null): ClientHello {
  const o = ctx.base.options;
  const parts = tls12HelloParts(o, ctx.config, renegotiation);
  // A renegotiation starts a new session: it does not resume one.
  if (renegotiation) {
    parts.offeredBy = null;
    parts.offeredSession = null;
    parts.sessionId = null;
  }
  ctx.offeredSession = parts.offeredSession;
  ctx.offeredBy = parts.offeredBy;
  const extensions: Extension[] = [];
  if (o.serverName && !/^[0-9.]+$/.test(o.serverName) && !o.serverName.includes(':')) extensions.push({ code: X.server_name, hostName: o.serverName });
  extensions.push({ code: X.supported_groups, groups: o.groupCodes });
  extensions.push({ code: X.signature_algorithms, schemes: parts.signatureSchemes });
  if (o.alpn?.length) extensions.push({ code: X.alpn, protocols: o.alpn });
  // A stapled OCSP response (RFC 6066 §8), asked for on every handshake, renegotiations too.
  if (o.statusRequest !== false) extensions.push({ code: X.status_request, statusType: STATUS_TYPE_OCSP });
  extensions.push(...parts.extensions.filter((e) => !(renegotiation && e.code === X.session_ticket && e.data!.length > 0)));
  return {
    type: 'client_hello',
    legacyVersion: ProtocolVersion.TLS12,
    random: o.random(32),
    sessionId: parts.sessionId ?? new Uint8Array(0),
    cipherSuites: parts.suites,
    compressionMethods: [0],
    extensions,
  };
}
