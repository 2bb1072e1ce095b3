// The trace event of one key-schedule step, built for every derivation (about twenty per TLS 1.3 handshake), so
// built cheaply: its context, inputs and output are hex encoded when first read, through own enumerable accessors
// defined with shared descriptors (as record events are, record/record-event.ts), so JSON.stringify, structured
// clone and object spread read them like plain strings. The bytes given must never be written again.
import type { KeyScheduleEvent } from '../../trace/types.ts';
import { toHex } from '../../util/bytes.ts';

type NewKeyEvent = Omit<KeyScheduleEvent, 'index' | 't' | 'conn'>;

/** One input of a derivation: its name, and its value's hex made when first read. */
export class LiveKeyInput {
  declare name: string;
  declare readonly value: string;
  #bytes: Uint8Array | undefined;
  #hex: string | undefined;

  constructor(name: string, bytes: Uint8Array) {
    this.name = name;
    Object.defineProperty(this, 'value', INPUT_VALUE);
    this.#bytes = bytes;
  }

  static hexOf(i: LiveKeyInput): string {
    if (i.#hex === undefined) {
      i.#hex = toHex(i.#bytes!);
      i.#bytes = undefined;
    }
    return i.#hex;
  }
}

/** A key event whose context and output hex are made when first read (the keys in the order they always had). */
export class LiveKeyEvent implements NewKeyEvent {
  declare kind: 'key';
  declare op: string;
  declare name: string;
  declare label?: string;
  declare readonly context?: string;
  declare inputs: LiveKeyInput[];
  declare readonly output: string;
  declare hash: string;
  #context: Uint8Array | string | undefined;
  #output: Uint8Array | string;

  constructor(hash: string, op: string, name: string, label: string | undefined, context: Uint8Array | undefined, inputs: { name: string; value: Uint8Array }[], output: Uint8Array) {
    this.kind = 'key';
    this.op = op;
    this.name = name;
    if (label !== undefined) this.label = 'tls13 ' + label;
    if (context !== undefined) Object.defineProperty(this, 'context', CONTEXT);
    this.inputs = inputs.map((i) => new LiveKeyInput(i.name, i.value));
    Object.defineProperty(this, 'output', OUTPUT);
    this.hash = hash;
    this.#context = context;
    this.#output = output;
  }

  static contextOf(e: LiveKeyEvent): string {
    if (typeof e.#context !== 'string') e.#context = toHex(e.#context!);
    return e.#context;
  }

  static outputOf(e: LiveKeyEvent): string {
    if (typeof e.#output !== 'string') e.#output = toHex(e.#output);
    return e.#output;
  }
}

const accessor = (get: (this: never) => string): PropertyDescriptor => ({ get, enumerable: true, configurable: true });
const INPUT_VALUE = accessor(function (this: LiveKeyInput) {
  return LiveKeyInput.hexOf(this);
});
const CONTEXT = accessor(function (this: LiveKeyEvent) {
  return LiveKeyEvent.contextOf(this);
});
const OUTPUT = accessor(function (this: LiveKeyEvent) {
  return LiveKeyEvent.outputOf(this);
});
