// Ladder rows: the steps a person walks through. Derived from the trace alone, append-only,
// so a live session extends the list without recomputing it.
import type { BreakpointName, Epoch, Side, TraceEvent } from '../trace/types.ts';
import { ocspHeadline } from '../trace/ocsp-words.ts';
import { earlyDataWords } from '../trace/early-data-words.ts';

export type RowKind = 'preamble' | 'handshake' | 'ccs' | 'app-data' | 'alert' | 'pause' | 'cert' | 'error' | 'note' | 'connection' | 'renegotiation';

export interface Row {
  /** Index of the trace event this row stands for. */
  event: number;
  kind: RowKind;
  /** For verdict rows: did it pass. */
  ok?: boolean;
  /** Sender, or null for markers that belong to neither side. */
  side: Side | null;
  epoch: Epoch;
  label: string;
  /** Client flights counted from 1; a new flight starts whenever the client speaks after the server. */
  flight: number;
  /** The client row that starts its flight (the ladder labels it "RTT n"; a marker before it may share its number). */
  flightStart?: true;
  conn: number;
  /** A STARTTLS command sent although the server had not advertised the capability. */
  notAdvertised?: true;
  /** An alert that ends a connection in good order (closure alerts): not drawn as an error. */
  closure?: true;
}

/** RFC 8446 §6.1 (RFC 5246 §7.2.1): close_notify and user_canceled close a connection; they are not errors. */
export function isClosureAlert(name: string): boolean {
  return name === 'close_notify' || name === 'user_canceled';
}

export const NOT_ADVERTISED = '(sent although the server did not advertise it)';

export const CONTENT_TYPE_NAMES: Record<number, string> = { 20: 'change_cipher_spec', 21: 'alert', 22: 'handshake', 23: 'application_data', 24: 'heartbeat' };

/** Incremental builder: feed events in order, read `rows`. */
export class RowBuilder {
  readonly rows: Row[] = [];
  private flight = 0;
  private lastSide: Side | null = null;
  /** Epoch of the newest alert-carrying record per direction: an alert row takes its record's colour. */
  private alertEpoch: Record<Side, Epoch> = { client: 'plaintext', server: 'plaintext' };

  add(e: TraceEvent): Row | null {
    const row = this.rowFor(e);
    if (!row) return null;
    if (row.side) {
      if (row.side === 'client' && this.lastSide !== 'client') {
        this.flight++;
        row.flightStart = true;
      }
      this.lastSide = row.side;
    }
    row.flight = Math.max(this.flight, 1);
    this.rows.push(row);
    return row;
  }

  private rowFor(e: TraceEvent): Row | null {
    const base = { event: e.index, flight: 0, conn: e.conn };
    switch (e.kind) {
      case 'preamble': {
        const text = e.text.length > 60 ? e.text.slice(0, 57) + '…' : e.text;
        // A STARTTLS command the server never offered: the row says so (the command was sent anyway).
        if (e.advertised === false) return { ...base, kind: 'preamble', side: e.direction, epoch: 'plaintext', label: `${text} ${NOT_ADVERTISED}`, notAdvertised: true };
        return { ...base, kind: 'preamble', side: e.direction, epoch: 'plaintext', label: text };
      }
      case 'handshake':
        return { ...base, kind: 'handshake', side: e.direction, epoch: e.epoch, label: e.name };
      case 'record': {
        const inner = e.protection ? e.protection.innerContentType : e.contentType;
        if (inner === 21) this.alertEpoch[e.direction] = e.epoch;
        if (inner === 20) return { ...base, kind: 'ccs', side: e.direction, epoch: e.epoch, label: 'ChangeCipherSpec' };
        if (inner === 23) {
          if (e.summarised) return { ...base, kind: 'app-data', side: e.direction, epoch: e.epoch, label: `Application data (${e.summarised.length} bytes, summarised)` };
          const size = e.protection ? e.protection.plaintext.length / 2 : e.bytes.length / 2 - 5;
          return { ...base, kind: 'app-data', side: e.direction, epoch: e.epoch, label: `Application data (${size} bytes)` };
        }
        return null;
      }
      case 'alert':
        return { ...base, kind: 'alert', side: e.direction, epoch: this.alertEpoch[e.direction], label: `Alert: ${e.name} (${e.level})`, ...(isClosureAlert(e.name) ? { closure: true as const } : {}) };
      case 'pause':
        // A pause after every message would double the ladder; only decision points get a row.
        if (e.breakpoint === 'afterEachMessage') return null;
        if (e.phase === 'resumed') return { ...base, kind: 'note', side: null, epoch: 'plaintext', label: `Decision at ${breakpointTitle(e.breakpoint)}: ${e.decision ?? e.detail ?? 'continue'}` };
        return { ...base, kind: 'pause', side: null, epoch: 'plaintext', label: `Breakpoint: ${breakpointTitle(e.breakpoint)}` };
      case 'cert-result':
        return { ...base, kind: 'cert', ok: e.ok, side: null, epoch: 'plaintext', label: e.ok ? 'Certificate chain verified' : `Certificate check failed: ${e.error?.code ?? 'error'}${e.overridden ? ' (overridden)' : ''}` };
      case 'ocsp':
        return { ...base, kind: 'cert', ok: e.verdict === 'good', side: null, epoch: 'plaintext', label: ocspHeadline(e) };
      case 'error':
        return { ...base, kind: 'error', side: null, epoch: 'plaintext', label: `Error: ${e.message}` };
      case 'note':
        return { ...base, kind: 'note', side: null, epoch: 'plaintext', label: e.text };
      case 'early-data':
        return { ...base, kind: 'note', side: null, epoch: 'plaintext', label: earlyDataWords(e) };
      case 'renegotiation':
        // The start is the divider before the second handshake; its end and a refusal have their notes beside them.
        if (e.phase !== 'started') return null;
        return { ...base, kind: 'renegotiation', side: null, epoch: 'application', label: `Renegotiation #${e.number}: ${renegotiationStarter(e.by)}` };
      case 'connection':
        if (e.phase === 'closed') return { ...base, kind: 'connection', side: null, epoch: 'plaintext', label: `Connection closed${e.detail ? ': ' + e.detail : ''}` };
        if (e.phase === 'start') return { ...base, kind: 'connection', side: null, epoch: 'plaintext', label: `Connecting to ${e.target ?? e.serverName ?? 'server'}` };
        return null;
      default:
        return null;
    }
  }
}

function renegotiationStarter(by: 'client' | 'server'): string {
  return by === 'client' ? 'started by the client' : 'requested by the server';
}

export function buildRows(events: TraceEvent[]): Row[] {
  const b = new RowBuilder();
  for (const e of events) b.add(e);
  return b.rows;
}

export function breakpointTitle(name: BreakpointName): string {
  switch (name) {
    case 'serverAuth':
      return 'server authentication complete';
    case 'clientCertRequest':
      return 'client certificate requested';
    case 'afterEachMessage':
      return 'after message';
    default:
      return name;
  }
}
