// A trace opened from a file (Open trace, Compare, a #replay link) is checked, event by event, against the types the
// views read (src/trace/types.ts) before any view sees it: a field of the wrong type (a number where hex text should
// be, text where a list should be) would otherwise throw inside a view and take the page down. The first damaged
// event is named in plain words and the sound events before it are what is shown.
// parseTraceFrame (recorder.ts) checks the file's frame; this checks each event. The page and the CLI (connect
// --replay, compare) both read saved traces through the two.
import type { TraceEvent, TraceFile } from './types.ts';

type Spec =
  | 'string'
  | 'number'
  | 'boolean'
  | 'hex'
  | 'fields'
  | { oneOf: readonly (string | number | boolean | null)[] }
  | { list: Spec }
  | { object: Shape };
/** Each field's spec; a name ending in "?" may be absent. */
type Shape = Record<string, Spec>;

const side = { oneOf: ['client', 'server'] } as const;
const epoch = { oneOf: ['plaintext', 'early', 'handshake', 'application'] } as const;
const summarised: Spec = { object: { length: 'number', 'sha256?': 'hex', 'kept?': 'boolean' } };

/** What each kind of event holds (src/trace/types.ts); kinds not listed (a newer writer's) are kept as they are. */
const SHAPES: Record<TraceEvent['kind'], Shape> = {
  connection: { phase: { oneOf: ['start', 'transport-open', 'closed'] }, 'recordedBy?': side, 'target?': 'string', 'serverName?': 'string', 'detail?': 'string' },
  record: {
    direction: side,
    epoch,
    seq: 'number',
    contentType: 'number',
    bytes: 'hex',
    fields: 'fields',
    'protection?': {
      object: { cipherSuite: 'string', nonce: 'hex', iv: 'hex', aad: 'hex', ciphertext: 'hex', tag: 'hex', plaintext: 'hex', innerContentType: 'number', paddingLength: 'number' },
    },
    'summarised?': summarised,
  },
  handshake: { direction: side, epoch, msgType: 'number', name: 'string', bytes: 'hex', fields: 'fields', records: { list: 'number' } },
  key: { op: 'string', name: 'string', 'label?': 'string', 'context?': 'hex', inputs: { list: { object: { name: 'string', value: 'hex' } } }, output: 'hex', hash: 'string' },
  transcript: { hash: 'string', covers: { list: 'string' }, messages: { list: 'number' }, value: 'hex' },
  'key-exchange': {
    group: 'string',
    'clientShare?': 'hex',
    'serverShare?': 'hex',
    sharedSecret: 'hex',
    'parts?': { list: { object: { part: 'string', clientShareBytes: 'number', serverShareBytes: 'number', secretBytes: 'number' } } },
  },
  signature: { subject: 'string', scheme: 'string', signedContent: 'hex', signature: 'hex', ok: 'boolean', 'detail?': 'string' },
  finished: { direction: side, expected: 'hex', received: 'hex', ok: 'boolean' },
  'cert-check': { check: 'string', certificate: 'number', ok: { oneOf: [true, false, null] }, detail: 'string', 'code?': 'string', 'span?': { object: { start: 'number', end: 'number' } } },
  'cert-result': {
    ok: 'boolean',
    chain: { list: 'hex' },
    path: { list: { object: { subject: 'string', issuer: 'string', sha256: 'hex', der: 'hex', source: { oneOf: ['peer', 'anchor'] } } } },
    'error?': { object: { code: 'string', message: 'string', 'openssl?': 'string', 'secureTransport?': 'string', 'windowsCE?': 'string' } },
    'overridden?': 'boolean',
  },
  ocsp: {
    certificate: 'number',
    verdict: { oneOf: ['good', 'revoked', 'unknown', 'unverified', 'unchecked'] },
    detail: 'string',
    'responseStatus?': 'string',
    'responder?': 'string',
    'signedBy?': { oneOf: ['issuer', 'delegated responder'] },
    'producedAt?': 'string',
    'thisUpdate?': 'string',
    'nextUpdate?': 'string',
    'certStatus?': { oneOf: ['good', 'revoked', 'unknown'] },
    'revocationTime?': 'string',
    'revocationReason?': 'string',
    'certId?': { object: { hashAlgorithm: 'string', issuerNameHash: 'hex', issuerKeyHash: 'hex', serialNumber: 'hex' } },
    'certIdMatches?': 'boolean',
  },
  state: { from: 'string', to: 'string' },
  alert: { direction: side, level: { oneOf: ['warning', 'fatal'] }, description: 'number', name: 'string', 'record?': 'number' },
  'app-data': { direction: side, bytes: 'hex', 'record?': 'number', 'summarised?': summarised },
  preamble: { protocol: 'string', direction: side, bytes: 'hex', text: 'string', 'note?': 'string', 'advertised?': 'boolean' },
  pause: { breakpoint: 'string', 'detail?': 'string', 'phase?': { oneOf: ['paused', 'resumed'] }, 'decision?': 'string' },
  error: { code: 'string', message: 'string' },
  'early-data': { side, outcome: { oneOf: ['sent', 'not-sent', 'accepted', 'refused', 'skipped'] }, 'bytes?': 'number', 'limit?': 'number', 'record?': 'number', 'reason?': 'string' },
  note: { text: 'string' },
  renegotiation: {
    phase: { oneOf: ['started', 'finished', 'refused'] },
    number: 'number',
    by: side,
    'refusedBy?': side,
    'reason?': 'string',
    'cipherSuite?': 'string',
    'durationMs?': 'number',
  },
};

const FIELD_NODE: Shape = { name: 'string', start: 'number', end: 'number', 'value?': 'string', 'explain?': 'string' };
const BASE: Shape = { index: 'number', t: 'number', conn: 'number' };

/** A value's type in words: "a number", "text", "a list", "nothing". */
function typeWords(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return 'text';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return 'true/false';
  return typeof v === 'object' ? 'an object' : typeof v;
}

const WANTED: Record<string, string> = { string: 'text', number: 'a number', boolean: 'true or false', hex: 'hex text (an even number of 0-9 a-f digits)', fields: 'a list of decoded fields' };

function wanted(spec: Spec): string {
  if (typeof spec === 'string') return WANTED[spec];
  if ('oneOf' in spec) return `one of ${spec.oneOf.map((v) => JSON.stringify(v)).join(', ')}`;
  if ('list' in spec) return 'a list';
  return 'an object';
}

const isHex = (v: unknown) => typeof v === 'string' && v.length % 2 === 0 && /^[0-9a-f]*$/i.test(v);

/** The first problem with `value` against `spec`, as "“path” is X, not Y"; undefined when it fits. */
function checkValue(value: unknown, spec: Spec, path: string): string | undefined {
  const wrong = () => `“${path}” is ${typeWords(value)}, not ${wanted(spec)}`;
  if (typeof spec === 'string') {
    switch (spec) {
      case 'string':
        return typeof value === 'string' ? undefined : wrong();
      case 'number':
        return typeof value === 'number' && Number.isFinite(value) ? undefined : wrong();
      case 'boolean':
        return typeof value === 'boolean' ? undefined : wrong();
      case 'hex':
        if (isHex(value)) return undefined;
        return typeof value === 'string' && /^[0-9a-f]*$/i.test(value) ? `“${path}” has an odd number of hex digits` : wrong();
      case 'fields':
        return checkFields(value, path);
    }
  }
  if ('oneOf' in spec) return spec.oneOf.includes(value as string) ? undefined : wrong();
  if ('list' in spec) {
    if (!Array.isArray(value)) return wrong();
    for (let i = 0; i < value.length; i++) {
      const p = checkValue(value[i], spec.list, `${path}[${i}]`);
      if (p) return p;
    }
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return wrong();
  return checkShape(value as Record<string, unknown>, spec.object, `${path}.`);
}

function checkShape(obj: Record<string, unknown>, shape: Shape, prefix: string): string | undefined {
  for (const [key, spec] of Object.entries(shape)) {
    const optional = key.endsWith('?');
    const name = optional ? key.slice(0, -1) : key;
    const v = obj[name];
    if (v === undefined && optional) continue;
    const p = checkValue(v, spec, `${prefix}${name}`);
    if (p) return p;
  }
  return undefined;
}

/** A field tree, walked without recursion (a hand-made file may nest it deeper than the stack goes). */
function checkFields(value: unknown, path: string): string | undefined {
  const todo: { nodes: unknown; path: string }[] = [{ nodes: value, path }];
  while (todo.length) {
    const { nodes, path: at } = todo.pop()!;
    if (!Array.isArray(nodes)) return `“${at}” is ${typeWords(nodes)}, not ${WANTED.fields}`;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i] as Record<string, unknown>;
      const here = `${at}[${i}]`;
      if (!node || typeof node !== 'object' || Array.isArray(node)) return `“${here}” is ${typeWords(node)}, not a decoded field`;
      const p = checkShape(node, FIELD_NODE, `${here}.`);
      if (p) return p;
      if (node.children !== undefined) todo.push({ nodes: node.children, path: `${here}.children` });
    }
  }
  return undefined;
}

/** The first event whose fields do not have the types the views read, and what is wrong with it. */
export function firstDamagedEvent(events: readonly unknown[]): { at: number; kind: string; problem: string } | undefined {
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as Record<string, unknown>;
    if (!e || typeof e !== 'object' || Array.isArray(e)) return { at: i, kind: 'no kind', problem: `it is ${typeWords(e)}, not an event` };
    if (typeof e.kind !== 'string') return { at: i, kind: 'no kind', problem: `“kind” is ${typeWords(e.kind)}, not text` };
    const kind = e.kind;
    // Own keys only: a kind such as "constructor" is an unknown kind, not Object's.
    const shape = Object.hasOwn(SHAPES, kind) ? SHAPES[kind as TraceEvent['kind']] : undefined;
    const problem = checkShape(e, BASE, '') ?? (shape ? checkShape(e, shape, '') : undefined);
    if (problem) return { at: i, kind, problem };
  }
  return undefined;
}

/**
 * The trace as far as it is sound: every event before the first damaged one, and the damage in words (undefined when
 * the whole trace is sound), e.g. "event 3 (“handshake”) is damaged: “fields” is text, not a list of decoded fields;
 * the 3 events before it are shown".
 */
export function soundPart(file: TraceFile): { file: TraceFile; problem?: string } {
  const damage = firstDamagedEvent(file.events);
  if (!damage) return { file };
  const kept = damage.at;
  const shown = kept === 0 ? 'nothing before it can be shown' : `the ${kept} event${kept === 1 ? '' : 's'} before it ${kept === 1 ? 'is' : 'are'} shown`;
  // Counted from 0, as parseTraceFile counts them ("event 5 is malformed") and as each event's `index` says.
  const problem = `event ${damage.at} (“${damage.kind}”) is damaged: ${damage.problem}; ${shown}`;
  return { file: { ...file, events: file.events.slice(0, kept) }, problem };
}
