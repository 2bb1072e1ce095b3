// Compare two handshakes: trace A + trace B -> what each one did (version, suite, flights, round trips, bytes,
// what was encrypted when), the messages of both aligned by role, and the differences in plain words.
// Pure: reads trace events only (no DOM, no Node), so the page and the CLI share it.
import type { Epoch, FieldNode, HandshakeMessageEvent, RecordEvent, Side, TraceEvent } from '../../trace/types.ts';

/** What a message or record does in a handshake; rows of the two traces line up on (sender, role). */
export type Role =
  | 'preamble'
  | 'hello'
  | 'retry'
  | 'extensions'
  | 'certificate request'
  | 'certificate'
  | 'key exchange'
  | 'end of server hello'
  | 'certificate proof'
  | 'change cipher spec'
  | 'finished'
  | 'end of early data'
  | 'ticket'
  | 'key update'
  | 'renegotiation request'
  | 'application data'
  | 'alert'
  | 'other';

const ROLE_OF_MESSAGE: Record<string, Role> = {
  HelloRequest: 'renegotiation request',
  ClientHello: 'hello',
  ServerHello: 'hello',
  HelloRetryRequest: 'retry',
  EncryptedExtensions: 'extensions',
  CertificateRequest: 'certificate request',
  Certificate: 'certificate',
  CertificateStatus: 'certificate',
  ServerKeyExchange: 'key exchange',
  ClientKeyExchange: 'key exchange',
  ServerHelloDone: 'end of server hello',
  CertificateVerify: 'certificate proof',
  Finished: 'finished',
  EndOfEarlyData: 'end of early data',
  NewSessionTicket: 'ticket',
  KeyUpdate: 'key update',
};

/** A message's role; own keys only, as a saved file may name a message "constructor" or "toString". */
const roleOfMessage = (name: string): Role => (Object.hasOwn(ROLE_OF_MESSAGE, name) ? ROLE_OF_MESSAGE[name] : 'other');

/** One thing that crossed the wire: a handshake message, a ChangeCipherSpec, application data, an alert, a preamble line. */
export interface WireItem {
  side: Side;
  role: Role;
  /** e.g. "ServerHello", "ChangeCipherSpec", "Application data", "Alert: close_notify". */
  label: string;
  /** Keys that protected it; 'preamble' for a STARTTLS line before TLS. */
  epoch: Epoch | 'preamble';
  /** Bytes of the message (handshake header included), of the application data, or of the record. */
  bytes: number;
  /** Consecutive records of application data from one side become one item: how many. */
  count: number;
  /** Flight (1-based) it travelled in. */
  flight: number;
  /** Index of its trace event (the first one for merged application data). */
  event: number;
}

/** A run of records (or preamble lines) sent by one side before the other side sends anything. */
export interface Flight {
  number: number;
  side: Side;
  records: number;
  /** Wire bytes: record headers, ciphertext and tags included. */
  bytes: number;
  /** Keys used by its records, in order of first use ('preamble' for STARTTLS lines). */
  epochs: (Epoch | 'preamble')[];
  /** Labels of what it carried. */
  carries: string[];
}

export interface CertificateSummary {
  /** Certificates the server sent (0 when it sent none, e.g. when resuming). */
  count: number;
  /** Subjects along the path the client built, leaf first, when the chain was checked. */
  subjects: string[];
  /** Whether the server's Certificate message travelled under encryption; null when none was sent. */
  encrypted: boolean | null;
}

export interface HandshakeSummary {
  name: string;
  /** Connection compared (a trace can hold several, e.g. a first connection and a resumption). */
  conn: number;
  connections: number[];
  version?: string;
  cipherSuite?: string;
  /** Key exchange group, absent when there was none (a TLS 1.2 resumption, psk_ke). */
  group?: string;
  resumed: boolean;
  helloRetry: boolean;
  extensionsOffered: string[];
  extensionsAccepted: string[];
  certificates: CertificateSummary;
  handshakeMessages: string[];
  items: WireItem[];
  flights: Flight[];
  roundTrips: {
    /** Server flights the client waits for until it holds the server's Finished (1 for TLS 1.3, 2 for a full TLS 1.2). */
    handshake: number | null;
    /** Server flights before the client's first application data. */
    clientData: number | null;
    /** Client flights before the server's first application data. */
    serverData: number | null;
  };
  /** Flights on the wire before the first application data from each side. */
  flightsBefore: { clientData: number | null; serverData: number | null };
  /** Wire bytes before the first application data record (either side): the handshake's cost. */
  handshakeBytes: number;
  /** First handshake message that travelled encrypted. */
  firstEncrypted?: { side: Side; label: string };
  /** How the connection failed, when it did. */
  failure?: string;
}

export interface AlignedRow {
  role: Role;
  a?: WireItem;
  b?: WireItem;
}

export interface Difference {
  topic: string;
  a: string;
  b: string;
  /** The difference in one plain sentence. */
  text: string;
}

export interface Comparison {
  a: HandshakeSummary;
  b: HandshakeSummary;
  rows: AlignedRow[];
  differences: Difference[];
}

export interface CompareInput {
  name: string;
  events: TraceEvent[];
  /** Which connection of the trace; default: the first one. */
  conn?: number;
}

export function connectionsOf(events: TraceEvent[]): number[] {
  return [...new Set(events.map((e) => e.conn))].sort((x, y) => x - y);
}

export function compareTraces(a: CompareInput, b: CompareInput): Comparison {
  const sa = summarize(a);
  const sb = summarize(b);
  return { a: sa, b: sb, rows: align(sa.items, sb.items), differences: differences(sa, sb) };
}

// ---------------------------------------------------------------------------------------------
// One handshake

export function summarize(input: CompareInput): HandshakeSummary {
  const connections = connectionsOf(input.events);
  const conn = input.conn ?? connections[0] ?? 0;
  if (!connections.includes(conn)) throw new Error(`${input.name} has no connection ${conn} (it has ${connections.join(', ') || 'none'})`);
  const events = input.events.filter((e) => e.conn === conn);
  const { flights, flightOfEvent } = buildFlights(events);
  const items = buildItems(events, flightOfEvent);
  for (const item of items) flights[item.flight - 1]?.carries.push(item.label);
  const handshakes = events.filter((e): e is HandshakeMessageEvent => e.kind === 'handshake');
  const clientHello = handshakes.find((m) => m.name === 'ClientHello');
  const serverHello = handshakes.find((m) => m.name === 'ServerHello' && m.direction === 'server');
  const encryptedExtensions = handshakes.find((m) => m.name === 'EncryptedExtensions');
  const version = serverHello ? negotiatedVersion(serverHello.fields) : undefined;
  const serverFinished = handshakes.findIndex((m) => m.name === 'Finished' && m.direction === 'server');
  const clientFinished = handshakes.findIndex((m) => m.name === 'Finished' && m.direction === 'client');
  // TLS 1.3 resumes with a PSK the server accepts in its ServerHello; TLS 1.2's abbreviated handshake has the
  // server's Finished first (RFC 5246 §7.3), the full one the client's.
  const resumed = version === 'TLS 1.3' ? !!serverHello && extensionNames(serverHello.fields).includes('pre_shared_key') : serverFinished >= 0 && (clientFinished < 0 || serverFinished < clientFinished);
  const keyExchange = events.filter((e) => e.kind === 'key-exchange').at(-1);
  const firstEncrypted = handshakes.find((m) => m.epoch !== 'plaintext');
  const failure = events.find((e) => e.kind === 'error');
  const fatal = events.find((e) => e.kind === 'alert' && e.level === 'fatal');

  return {
    name: input.name,
    conn,
    connections,
    version,
    cipherSuite: serverHello ? stripCode(findField(serverHello.fields, 'cipher_suite')?.value) : undefined,
    group: keyExchange?.kind === 'key-exchange' ? keyExchange.group : undefined,
    resumed,
    helloRetry: handshakes.some((m) => m.name === 'HelloRetryRequest'),
    extensionsOffered: clientHello ? extensionNames(clientHello.fields) : [],
    extensionsAccepted: unique([...(serverHello ? extensionNames(serverHello.fields) : []), ...(encryptedExtensions ? extensionNames(encryptedExtensions.fields) : [])]),
    certificates: certificateSummary(events, handshakes),
    handshakeMessages: handshakes.map((m) => `${m.direction === 'client' ? 'client' : 'server'} ${m.name}`),
    items,
    flights,
    roundTrips: roundTrips(flights, items),
    flightsBefore: {
      clientData: flightsBeforeData(items, 'client'),
      serverData: flightsBeforeData(items, 'server'),
    },
    handshakeBytes: handshakeBytes(events),
    firstEncrypted: firstEncrypted ? { side: firstEncrypted.direction, label: firstEncrypted.name } : undefined,
    failure: failure?.kind === 'error' ? failure.message : fatal?.kind === 'alert' ? `fatal alert ${fatal.name} from the ${fatal.direction}` : undefined,
  };
}

function innerType(r: RecordEvent): number {
  return r.protection ? r.protection.innerContentType : r.contentType;
}

function buildFlights(events: TraceEvent[]) {
  const flights: Flight[] = [];
  const flightOfEvent = new Map<number, number>();
  for (const e of events) {
    if (e.kind !== 'record' && e.kind !== 'preamble') continue;
    let flight = flights.at(-1);
    if (!flight || flight.side !== e.direction) {
      flight = { number: flights.length + 1, side: e.direction, records: 0, bytes: 0, epochs: [], carries: [] };
      flights.push(flight);
    }
    const epoch = e.kind === 'preamble' ? 'preamble' : e.epoch;
    flight.records++;
    flight.bytes += e.bytes.length / 2;
    if (!flight.epochs.includes(epoch)) flight.epochs.push(epoch);
    flightOfEvent.set(e.index, flight.number);
  }
  return { flights, flightOfEvent };
}

function buildItems(events: TraceEvent[], flightOfEvent: Map<number, number>): WireItem[] {
  const items: WireItem[] = [];
  const records = new Map<number, RecordEvent>();
  for (const e of events) {
    if (e.kind === 'record') {
      records.set(e.index, e);
      const type = innerType(e);
      const flight = flightOfEvent.get(e.index) ?? 0;
      if (type === 20) items.push({ side: e.direction, role: 'change cipher spec', label: 'ChangeCipherSpec', epoch: e.epoch, bytes: e.bytes.length / 2, count: 1, flight, event: e.index });
      if (type === 23) {
        const size = e.protection ? e.protection.plaintext.length / 2 : e.bytes.length / 2 - 5;
        const last = items.at(-1);
        // Many records of data in a row are one row: the comparison is about the handshake around them.
        if (last && last.role === 'application data' && last.side === e.direction && last.flight === flight) {
          last.bytes += size;
          last.count++;
        } else items.push({ side: e.direction, role: 'application data', label: 'Application data', epoch: e.epoch, bytes: size, count: 1, flight, event: e.index });
      }
    } else if (e.kind === 'handshake') {
      const record = records.get(e.records[0]);
      items.push({ side: e.direction, role: roleOfMessage(e.name), label: e.name, epoch: e.epoch, bytes: e.bytes.length / 2, count: 1, flight: flightOfEvent.get(record?.index ?? -1) ?? 0, event: e.index });
    } else if (e.kind === 'alert') {
      const record = e.record !== undefined ? records.get(e.record) : undefined;
      items.push({ side: e.direction, role: 'alert', label: `Alert: ${e.name}`, epoch: record?.epoch ?? 'plaintext', bytes: record ? record.bytes.length / 2 : 2, count: 1, flight: record ? flightOfEvent.get(record.index) ?? 0 : 0, event: e.index });
    } else if (e.kind === 'preamble') {
      items.push({ side: e.direction, role: 'preamble', label: e.text.length > 40 ? e.text.slice(0, 39) + '…' : e.text, epoch: 'preamble', bytes: e.bytes.length / 2, count: 1, flight: flightOfEvent.get(e.index) ?? 0, event: e.index });
    }
  }
  return items;
}

function roundTrips(flights: Flight[], items: WireItem[]): HandshakeSummary['roundTrips'] {
  const serverFinished = items.find((i) => i.side === 'server' && i.role === 'finished');
  const countBefore = (flight: number, side: Side, inclusive: boolean) => flights.filter((f) => f.side === side && (inclusive ? f.number <= flight : f.number < flight)).length;
  const firstData = (side: Side) => items.find((i) => i.side === side && i.role === 'application data');
  const clientData = firstData('client');
  const serverData = firstData('server');
  return {
    handshake: serverFinished ? countBefore(serverFinished.flight, 'server', true) : null,
    clientData: clientData ? countBefore(clientData.flight, 'server', false) : null,
    serverData: serverData ? countBefore(serverData.flight, 'client', false) : null,
  };
}

function flightsBeforeData(items: WireItem[], side: Side): number | null {
  const first = items.find((i) => i.side === side && i.role === 'application data');
  return first ? first.flight - 1 : null;
}

function handshakeBytes(events: TraceEvent[]): number {
  let total = 0;
  for (const e of events) {
    if (e.kind !== 'record') continue;
    if (innerType(e) === 23) break;
    total += e.bytes.length / 2;
  }
  return total;
}

function certificateSummary(events: TraceEvent[], handshakes: HandshakeMessageEvent[]): CertificateSummary {
  const message = handshakes.find((m) => m.name === 'Certificate' && m.direction === 'server');
  if (!message) return { count: 0, subjects: [], encrypted: null };
  const result = events.find((e) => e.kind === 'cert-result');
  // The path as built, leaf first (a self-signed leaf is its own anchor, so sources are not filtered).
  const subjects = result?.kind === 'cert-result' ? result.path.map((p) => p.subject) : [];
  const count = result?.kind === 'cert-result' ? result.chain.length : countCertificates(message.fields);
  return { count, subjects, encrypted: message.epoch !== 'plaintext' };
}

function countCertificates(fields: FieldNode[]): number {
  let n = 0;
  walk(fields, (f) => {
    if (f.name === 'cert_data' || f.name === 'certificate' || f.name === 'ASN.1Cert') n++;
  });
  return n;
}

// ---------------------------------------------------------------------------------------------
// Field helpers

/** Every field, depth first in order, without recursion: a saved trace may nest fields deeper than the stack goes. */
function walk(fields: FieldNode[], visit: (f: FieldNode) => void) {
  const todo: FieldNode[] = [...fields].reverse();
  while (todo.length) {
    const f = todo.pop()!;
    visit(f);
    if (f.children) for (let i = f.children.length - 1; i >= 0; i--) todo.push(f.children[i]);
  }
}

function findField(fields: FieldNode[], name: string): FieldNode | undefined {
  let found: FieldNode | undefined;
  walk(fields, (f) => {
    if (!found && f.name === name) found = f;
  });
  return found;
}

/** "TLS_AES_128_GCM_SHA256 (0x1301)" -> "TLS_AES_128_GCM_SHA256". */
function stripCode(value: string | undefined): string | undefined {
  return value?.replace(/\s*\(0x[0-9a-f]+\)$/i, '');
}

function extensionNames(fields: FieldNode[]): string[] {
  const names: string[] = [];
  walk(fields, (f) => {
    if (f.name === 'extension' && f.value) names.push(f.value);
  });
  return unique(names);
}

/** TLS 1.3 names its version in supported_versions; before it, legacy_version is the version. */
function negotiatedVersion(fields: FieldNode[]): string | undefined {
  let chosen: string | undefined;
  walk(fields, (f) => {
    if (f.name === 'extension' && f.value === 'supported_versions') walk(f.children ?? [], (c) => (chosen ??= versionName(c.value)));
  });
  return chosen ?? versionName(findField(fields, 'legacy_version')?.value);
}

function versionName(value: string | undefined): string | undefined {
  return /TLS 1\.[0-3]|SSL 3\.0/.exec(value ?? '')?.[0];
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

// ---------------------------------------------------------------------------------------------
// Alignment: the longest common sequence of (sender, role), so each trace keeps its own order and what both did
// shares a row; what only one did gets a row with the other side empty.

const MAX_ALIGNED = 3000;

export function align(a: WireItem[], b: WireItem[]): AlignedRow[] {
  if (a.length > MAX_ALIGNED || b.length > MAX_ALIGNED) {
    // Too long to align cell by cell: align the start, then list the rest side by side.
    const head = align(a.slice(0, MAX_ALIGNED), b.slice(0, MAX_ALIGNED));
    const restA = a.slice(MAX_ALIGNED);
    const restB = b.slice(MAX_ALIGNED);
    const tail: AlignedRow[] = [];
    for (let i = 0; i < Math.max(restA.length, restB.length); i++) tail.push({ role: (restA[i] ?? restB[i]).role, a: restA[i], b: restB[i] });
    return [...head, ...tail];
  }
  const key = (i: WireItem) => `${i.side}|${i.role}|${i.role === 'other' || i.role === 'alert' ? i.label : ''}`;
  const ka = a.map(key);
  const kb = b.map(key);
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the longest common sequence of a[i..] and b[j..].
  const lcs = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = ka[i] === kb[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const rows: AlignedRow[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && ka[i] === kb[j]) {
      rows.push({ role: a[i].role, a: a[i++], b: b[j++] });
    } else if (j >= m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1])) {
      rows.push({ role: a[i].role, a: a[i++] });
    } else {
      rows.push({ role: b[j].role, b: b[j++] });
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Differences in plain words

const rt = (n: number | null) => (n === null ? 'never' : `${n} round trip${n === 1 ? '' : 's'}`);
const list = (xs: string[]) => (xs.length ? xs.join(', ') : 'none');

export function describeCertificates(c: CertificateSummary): string {
  if (c.count === 0) return 'none sent';
  const where = c.encrypted ? 'encrypted' : 'in plaintext';
  return `${c.count} certificate${c.count === 1 ? '' : 's'}, ${where}${c.subjects[0] ? ` (leaf ${c.subjects[0]})` : ''}`;
}

export function differences(a: HandshakeSummary, b: HandshakeSummary): Difference[] {
  const out: Difference[] = [];
  const add = (topic: string, va: string, vb: string, text: string) => {
    if (va !== vb) out.push({ topic, a: va, b: vb, text });
  };
  const A = 'A';
  const B = 'B';
  add('Version', a.version ?? 'unknown', b.version ?? 'unknown', `${A} uses ${a.version ?? 'an unknown version'}, ${B} uses ${b.version ?? 'an unknown version'}.`);
  add('Cipher suite', a.cipherSuite ?? 'none', b.cipherSuite ?? 'none', `${A} encrypts with ${a.cipherSuite ?? 'no suite'}, ${B} with ${b.cipherSuite ?? 'no suite'}.`);
  add('Key exchange group', a.group ?? 'none', b.group ?? 'none', `${A} ${a.group ? `agrees keys over ${a.group}` : 'has no new key exchange'}, ${B} ${b.group ? `over ${b.group}` : 'has no new key exchange'}.`);
  const kind = (s: HandshakeSummary) => (s.resumed ? 'resumed' : 'full');
  add('Resumed', kind(a), kind(b), `${A} is a ${kind(a)} handshake, ${B} a ${kind(b)} one${a.resumed !== b.resumed ? ': the resumed one skips the certificate and its proof' : ''}.`);
  add('HelloRetryRequest', a.helloRetry ? 'yes' : 'no', b.helloRetry ? 'yes' : 'no', `${a.helloRetry ? A : B} needed a HelloRetryRequest (an extra round trip), ${a.helloRetry ? B : A} did not.`);
  add('Handshake round trips', rt(a.roundTrips.handshake), rt(b.roundTrips.handshake), timing(a.roundTrips.handshake, b.roundTrips.handshake, "the client holds the server's Finished after", 'no Finished from the server reaches the client'));
  add('Client data after', rt(a.roundTrips.clientData), rt(b.roundTrips.clientData), timing(a.roundTrips.clientData, b.roundTrips.clientData, "the client's first application data leaves after", 'the client sends no application data'));
  add('Server data after', rt(a.roundTrips.serverData), rt(b.roundTrips.serverData), timing(a.roundTrips.serverData, b.roundTrips.serverData, "the server's first application data reaches the client after", 'the server sends no application data'));
  add('Flights', String(a.flights.length), String(b.flights.length), `${A} has ${a.flights.length} flights on the wire, ${B} ${b.flights.length}.`);
  const anyData = (s: HandshakeSummary) => s.items.some((i) => i.role === 'application data');
  add(
    'Handshake bytes',
    String(a.handshakeBytes),
    String(b.handshakeBytes),
    anyData(a) && anyData(b)
      ? `Before any application data, ${A} puts ${a.handshakeBytes} bytes on the wire, ${B} ${b.handshakeBytes}.`
      : `${bytesClause(a.handshakeBytes, anyData(a), A)}; ${bytesClause(b.handshakeBytes, anyData(b), B)}.`,
  );
  add('Handshake messages', String(a.handshakeMessages.length), String(b.handshakeMessages.length), `${A} has ${a.handshakeMessages.length} handshake messages, ${B} ${b.handshakeMessages.length}.`);
  const onlyA = minus(a.handshakeMessages, b.handshakeMessages);
  const onlyB = minus(b.handshakeMessages, a.handshakeMessages);
  if (onlyA.length || onlyB.length) out.push({ topic: 'Messages only in one', a: list(onlyA), b: list(onlyB), text: eitherSide(onlyA, onlyB, (xs, who) => `only ${who} has ${xs}`) });
  add('Certificate chain', describeCertificates(a.certificates), describeCertificates(b.certificates), `Server certificates: ${describeCertificates(a.certificates)} in ${A}; ${describeCertificates(b.certificates)} in ${B}.`);
  const enc = (s: HandshakeSummary) => (s.firstEncrypted ? `${s.firstEncrypted.side} ${s.firstEncrypted.label}` : 'none');
  const encClause = (s: HandshakeSummary, who: string) => (s.firstEncrypted ? `encryption starts with the ${enc(s)} in ${who}` : `no handshake message is encrypted in ${who}`);
  add(
    'First encrypted message',
    enc(a),
    enc(b),
    a.firstEncrypted && b.firstEncrypted ? `Encryption starts with the ${enc(a)} in ${A} and with the ${enc(b)} in ${B}.` : capitalise(`${encClause(a, A)}; ${encClause(b, B)}.`),
  );
  const offeredA = minus(a.extensionsOffered, b.extensionsOffered);
  const offeredB = minus(b.extensionsOffered, a.extensionsOffered);
  if (offeredA.length || offeredB.length) out.push({ topic: 'Extensions offered', a: list(offeredA), b: list(offeredB), text: eitherSide(offeredA, offeredB, (xs, who) => `the ClientHello offers ${xs} only in ${who}`) });
  const acceptedA = minus(a.extensionsAccepted, b.extensionsAccepted);
  const acceptedB = minus(b.extensionsAccepted, a.extensionsAccepted);
  if (acceptedA.length || acceptedB.length) out.push({ topic: 'Extensions accepted', a: list(acceptedA), b: list(acceptedB), text: eitherSide(acceptedA, acceptedB, (xs, who) => `the server answers ${xs} only in ${who}`) });
  add('Outcome', a.failure ?? 'completed', b.failure ?? 'completed', `${A}: ${a.failure ?? 'completed'}; ${B}: ${b.failure ?? 'completed'}.`);
  return out;
}

/**
 * One timed event in both traces, as a sentence that reads right when one side never has it:
 * "The client's first application data leaves after 1 round trip in A, 2 round trips in B." when both have it,
 * "In A the client sends no application data; in B the client's first application data leaves after 1 round trip."
 * when A lacks it (both lacking it is no difference).
 */
function timing(a: number | null, b: number | null, happens: string, lacks: string): string {
  if (a !== null && b !== null) return capitalise(`${happens} ${rt(a)} in A, ${rt(b)} in B.`);
  const side = (n: number | null, who: string) => `in ${who} ${n === null ? lacks : `${happens} ${rt(n)}`}`;
  return capitalise(`${side(a, 'A')}; ${side(b, 'B')}.`);
}

/** "A puts 900 bytes on the wire before the first application data" or "... 900 bytes on the wire in all, none of it application data". */
function bytesClause(bytes: number, hasData: boolean, who: string): string {
  return hasData ? `${who} puts ${bytes} bytes on the wire before the first application data` : `${who} puts ${bytes} bytes on the wire in all, none of it application data`;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** "only A has X; only B has Y." with the empty half left out, capitalised. */
function eitherSide(onlyA: string[], onlyB: string[], say: (xs: string, who: 'A' | 'B') => string): string {
  const parts = [onlyA.length ? say(list(onlyA), 'A') : '', onlyB.length ? say(list(onlyB), 'B') : ''].filter(Boolean).join('; ');
  return parts.charAt(0).toUpperCase() + parts.slice(1) + '.';
}

/** Items of xs not in ys, each counted (two client Certificates against one leave one). */
function minus(xs: string[], ys: string[]): string[] {
  const left = [...ys];
  const out: string[] = [];
  for (const x of xs) {
    const k = left.indexOf(x);
    if (k >= 0) left.splice(k, 1);
    else out.push(x);
  }
  return out;
}
