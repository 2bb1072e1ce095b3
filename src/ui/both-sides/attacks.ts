// The staged attacks: writer-side taps on the both-sides channel (channel.ts). Each sees the bytes one side writes
// and may hand on others; nothing here is on the engines' own path. Each tap notes what it did in the writer's trace.
import { ContentType } from '../../tls/record/content-types.ts';
import { Tls13RecordProtector } from '../../tls/record/tls13-protector.ts';
import { suiteByName } from '../../tls/suites.ts';
import type { TraceEvent } from '../../trace/types.ts';
import { concat, fromHex } from '../../util/bytes.ts';
import type { BothSidesAttack, Side } from '../../worker/both-sides-messages.ts';
import type { WriteTap } from './channel.ts';

export interface TapContext {
  note(text: string): void;
  /** The writer's trace so far (the Finished tap reads the server's handshake keys from it). */
  events(): readonly TraceEvent[];
}

/** The tap for this attack on this side's writes, if the attack works on that side. */
export function attackTap(attack: BothSidesAttack | undefined, side: Side, ctx: TapContext): WriteTap | undefined {
  if (side === 'client') return attack === 'downgrade' ? strippedVersions(ctx) : undefined;
  switch (attack) {
    case 'tampered-record':
      return tamperedRecord(ctx);
    case 'tampered-finished':
      return tamperedFinished(ctx);
    case 'hrr-loop':
      return helloRetryAgain(ctx);
    case 'starttls-injection':
      return injectedAfterGoAhead(ctx);
    default:
      return undefined;
  }
}

interface Rec {
  type: number;
  bytes: Uint8Array;
}

/** The whole records in one write (our engines write whole records). */
function records(data: Uint8Array): Rec[] {
  const out: Rec[] = [];
  for (let at = 0; at + 5 <= data.length; ) {
    const end = at + 5 + ((data[at + 3] << 8) | data[at + 4]);
    out.push({ type: data[at], bytes: data.subarray(at, Math.min(end, data.length)) });
    at = end;
  }
  return out;
}

/** The first application-data record the server writes reaches the client with the last byte of its ciphertext
 * (part of the AEAD tag) flipped. */
function tamperedRecord(ctx: TapContext): WriteTap {
  let done = false;
  return (data) => {
    if (done) return data;
    const parts = records(data);
    const target = parts.find((r) => r.type === ContentType.application_data);
    if (!target) return data;
    done = true;
    const changed = Uint8Array.from(target.bytes);
    changed[changed.length - 1] ^= 0x01;
    ctx.note('staged attack: the wire flipped the last byte of this application_data record on its way to the client');
    return concat(...parts.map((r) => (r === target ? changed : r.bytes)));
  };
}

const SUPPORTED_VERSIONS = 0x002b;
/** An extension code point nobody assigned (a GREASE value, RFC 8701): servers ignore it. */
const IGNORED_EXTENSION = 0x0a0a;

/** In the client's first ClientHello, supported_versions gets an ignored code point (same length, so nothing else
 * moves): TLS 1.3 is hidden from the server. */
function strippedVersions(ctx: TapContext): WriteTap {
  let done = false;
  return (data) => {
    if (done || data[0] !== ContentType.handshake || data[5] !== 1) return data;
    done = true;
    const copy = Uint8Array.from(data);
    const u16 = (at: number) => (copy[at] << 8) | copy[at + 1];
    let at = 5 + 4 + 2 + 32; // record header, handshake header, legacy_version, random
    at += 1 + copy[at]; // session id
    at += 2 + u16(at); // cipher suites
    at += 1 + copy[at]; // compression methods
    const end = at + 2 + u16(at);
    for (at += 2; at + 4 <= end; at += 4 + u16(at + 2)) {
      if (u16(at) !== SUPPORTED_VERSIONS) continue;
      copy[at] = IGNORED_EXTENSION >> 8;
      copy[at + 1] = IGNORED_EXTENSION & 0xff;
      ctx.note('staged attack: the wire renamed supported_versions in this ClientHello to an ignored extension (0x0a0a), hiding TLS 1.3 from the server');
      break;
    }
    return copy;
  };
}

/** RFC 8446 §4.1.3: the random a HelloRetryRequest carries in place of a ServerHello's. */
const HRR_RANDOM = fromHex('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c');
const isHelloRetry = (r: Rec) => r.type === ContentType.handshake && r.bytes[5] === 2 && HRR_RANDOM.every((b, i) => r.bytes[5 + 4 + 2 + i] === b);
const isServerHello = (r: Rec) => r.type === ContentType.handshake && r.bytes[5] === 2 && !isHelloRetry(r);

/** The server's HelloRetryRequest is kept; its ServerHello flight after the second ClientHello is replaced by that
 * HelloRetryRequest again: a server looping on HelloRetryRequest, which a client must refuse (RFC 8446 §4.1.4). */
function helloRetryAgain(ctx: TapContext): WriteTap {
  let retry: Uint8Array | null = null;
  let done = false;
  return (data) => {
    if (done) return data;
    const parts = records(data);
    const hrr = parts.find(isHelloRetry);
    if (hrr && !retry) retry = Uint8Array.from(hrr.bytes);
    if (!retry || !parts.some(isServerHello)) return data;
    done = true;
    ctx.note('staged attack: the wire replaced the server\'s ServerHello flight with its HelloRetryRequest again (a second HelloRetryRequest)');
    return retry;
  };
}

/** The server's Finished changed inside its record: the wire (an attacker who has the server's handshake keys, read
 * from the server's trace) opens each handshake record, flips the last byte of the Finished's verify_data and
 * seals it again, so the record authenticates and only the Finished check fails (RFC 8446 §4.4.4: decrypt_error). */
function tamperedFinished(ctx: TapContext): WriteTap {
  let opener: Tls13RecordProtector | null = null;
  let sealer: Tls13RecordProtector | null = null;
  let done = false;
  const keys = async () => {
    const events = ctx.events();
    const find = (name: string) => [...events].reverse().find((e) => e.kind === 'key' && e.name === name) as { output: string } | undefined;
    const key = find('server_handshake_write_key');
    const iv = find('server_handshake_write_iv');
    const record = [...events].reverse().find((e) => e.kind === 'record' && e.direction === 'server' && e.protection) as { protection: { cipherSuite: string } } | undefined;
    const suite = record && suiteByName(record.protection.cipherSuite);
    if (!key || !iv || !suite) throw new Error('staged attack: the server\'s handshake keys are not in its trace');
    opener = await Tls13RecordProtector.create(suite, fromHex(key.output), fromHex(iv.output), 'handshake');
    sealer = await Tls13RecordProtector.create(suite, fromHex(key.output), fromHex(iv.output), 'handshake');
  };
  return async (data) => {
    if (done) return data;
    const parts = records(data);
    const out: Uint8Array[] = [];
    for (const r of parts) {
      if (done || r.type !== ContentType.application_data) {
        out.push(r.bytes);
        continue;
      }
      if (!opener) await keys();
      const opened = await opener!.decrypt({ contentType: r.type, version: 0x0303, bytes: r.bytes, fragment: r.bytes.subarray(5) });
      const plain = Uint8Array.from(opened.fragment);
      if (opened.contentType === ContentType.handshake && plain[0] === 20) {
        plain[plain.length - 1] ^= 0x01;
        done = true;
        ctx.note('staged attack: the wire changed the last byte of the server\'s Finished (verify_data) and sealed the record again with the server\'s handshake keys');
      }
      out.push((await sealer!.encrypt(opened.contentType, plain, opened.details.paddingLength)).bytes);
    }
    return concat(...out);
  };
}

/** The reply a man in the middle adds after the server's go-ahead (RFC 3207 §6's warning; CVE-2011-0411's kind). */
export const INJECTED_REPLY = '250 2.0.0 injected by the wire: a careless client would read this as if TLS protected it\r\n';
/** The server's go-ahead line in the both-sides SMTP preamble (starttls-server.ts). */
export const SMTP_GO_AHEAD = '220 2.0.0 Ready to start TLS\r\n';

function injectedAfterGoAhead(ctx: TapContext): WriteTap {
  const goAhead = new TextEncoder().encode(SMTP_GO_AHEAD);
  let done = false;
  return (data) => {
    if (done || data.length !== goAhead.length || !goAhead.every((b, i) => data[i] === b)) return data;
    done = true;
    ctx.note('staged attack: the wire added a reply after the server\'s STARTTLS go-ahead, before the TLS handshake');
    return concat(data, new TextEncoder().encode(INJECTED_REPLY));
  };
}
