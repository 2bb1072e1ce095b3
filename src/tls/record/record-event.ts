// Trace events for records, built for every record of a long transfer, so built cheaply. Their large parts are hex
// encoded when first read, through own enumerable accessor properties: JSON.stringify, structured clone and object
// spread read them like plain strings. The accessors are defined with one shared getter function per field
// (Object.defineProperty with a shared descriptor): an object literal with getters makes a new accessor pair per
// object and getter, measured at about 1 µs each in V8 (6 µs for a protection object), ten times this way's cost.
// A protected record's field tree is built when first read too: nothing reads most of them in a long transfer.
import type { FieldNode, RecordEvent, Side, Epoch } from '../../trace/types.ts';
import { keepEventBytes } from '../../trace/event-bytes.ts';
import { lazyHexOfPart } from '../../trace/lazy-hex.ts';
import { toHex } from '../../util/bytes.ts';
import type { ProtectionDetails } from './protector.ts';
import { protectedRecordFieldsOf } from './record-fields.ts';

type NewRecordEvent = Omit<RecordEvent, 'index' | 't' | 'conn'>;
type ProtectionFields = NonNullable<RecordEvent['protection']>;

const accessor = (get: (this: never) => string): PropertyDescriptor => ({ get, enumerable: true, configurable: true });

/** How a protected record's field tree is made when first read: the header's values and the lengths. */
export interface ProtectedFieldsSource {
  version: number;
  recordLength: number;
  tagLength: number;
}

/** What a protected record's `protection` is made from when first read: the details, the record and its lazy hex
 * (the ciphertext's hex is a slice of it), and the plaintext's lazy hex. */
export interface ProtectionSource {
  details: ProtectionDetails;
  record: Uint8Array;
  recordHex: () => string;
  plaintextHex: () => string;
}

/**
 * A record event whose `bytes` hex is encoded when first read (then kept, and the bytes let go), and whose field
 * tree and protection details, for a protected record, are built when first read (then kept). A long transfer
 * whose records nobody reads (a host that keeps no trace) builds neither: the protection object with its six lazy
 * parts was the largest piece of a record's own JavaScript in Node's profile of a 16 MiB echo.
 */
export class LiveRecordEvent implements NewRecordEvent {
  // `declare`: no class field definitions, so the constructor's assignments set the key order.
  declare kind: 'record';
  declare direction: Side;
  declare epoch: Epoch;
  declare seq: number;
  declare contentType: number;
  declare readonly bytes: string;
  declare readonly fields: FieldNode[];
  declare protection?: ProtectionFields;
  #hex: () => string;
  #fields: FieldNode[] | undefined;
  #fieldsSource: ProtectedFieldsSource | undefined;
  #protection: ProtectionFields | undefined;
  #protectionSource: ProtectionSource | undefined;

  constructor(direction: Side, epoch: Epoch, seq: number, contentType: number, hex: () => string, fields: FieldNode[] | ProtectedFieldsSource, protection?: ProtectionSource) {
    // Assigned in the key order of the object literal this replaces (JSON output unchanged).
    this.kind = 'record';
    this.direction = direction;
    this.epoch = epoch;
    this.seq = seq;
    this.contentType = contentType;
    Object.defineProperty(this, 'bytes', BYTES);
    Object.defineProperty(this, 'fields', FIELDS);
    if (protection) Object.defineProperty(this, 'protection', PROTECTION);
    this.#hex = hex;
    if (Array.isArray(fields)) this.#fields = fields;
    else this.#fieldsSource = fields;
    this.#protectionSource = protection;
  }

  static protectionOf(e: LiveRecordEvent): ProtectionFields | undefined {
    const source = e.#protectionSource;
    if (source) {
      const { details, record, recordHex } = source;
      e.#protection = new ProtectionJson(details, lazyHexOfPart(details.ciphertext, record, recordHex), source.plaintextHex);
      // For the one host that reads a record's plaintext bytes without its hex (the worker's application-data window).
      keepEventBytes(e.#protection, details.decryptAgain ?? details.plaintext);
      e.#protectionSource = undefined;
    }
    return e.#protection;
  }

  static setProtection(e: LiveRecordEvent, value: ProtectionFields | undefined): void {
    e.#protection = value;
    e.#protectionSource = undefined;
  }

  static hexOf(e: LiveRecordEvent): string {
    return e.#hex();
  }

  static fieldsOf(e: LiveRecordEvent): FieldNode[] {
    if (!e.#fields) {
      const s = e.#fieldsSource!;
      e.#fields = protectedRecordFieldsOf(e.contentType, s.version, s.recordLength, s.tagLength);
      e.#fieldsSource = undefined;
    }
    return e.#fields;
  }
}

const FIELDS: PropertyDescriptor = {
  get(this: LiveRecordEvent) {
    return LiveRecordEvent.fieldsOf(this);
  },
  enumerable: true,
  configurable: true,
};

const BYTES = accessor(function (this: LiveRecordEvent) {
  return LiveRecordEvent.hexOf(this);
});

const PROTECTION: PropertyDescriptor = {
  get(this: LiveRecordEvent) {
    return LiveRecordEvent.protectionOf(this);
  },
  set(this: LiveRecordEvent, value: ProtectionFields | undefined) {
    LiveRecordEvent.setProtection(this, value);
  },
  enumerable: true,
  configurable: true,
};

/**
 * Protection details as hex (live and captured records), every part encoded when first read: the large ones
 * (ciphertext, plaintext) through the functions given (slices of the record's hex), the small ones (nonce, IV,
 * AAD, tag) from the details' bytes, which must never be written again.
 */
export class ProtectionJson implements ProtectionFields {
  declare cipherSuite: string;
  declare readonly nonce: string;
  declare readonly iv: string;
  declare readonly aad: string;
  declare readonly ciphertext: string;
  declare readonly tag: string;
  declare readonly plaintext: string;
  declare innerContentType: number;
  declare paddingLength: number;
  #details: ProtectionDetails;
  #ciphertext: () => string;
  #plaintext: () => string;
  #small: Partial<Record<'nonce' | 'iv' | 'aad' | 'tag', string>> | undefined;

  constructor(details: ProtectionDetails, ciphertext: () => string, plaintext: () => string) {
    this.cipherSuite = details.cipherSuite;
    Object.defineProperty(this, 'nonce', NONCE);
    Object.defineProperty(this, 'iv', IV);
    Object.defineProperty(this, 'aad', AAD);
    Object.defineProperty(this, 'ciphertext', CIPHERTEXT);
    Object.defineProperty(this, 'tag', TAG);
    Object.defineProperty(this, 'plaintext', PLAINTEXT);
    this.innerContentType = details.innerContentType;
    this.paddingLength = details.paddingLength;
    this.#details = details;
    this.#ciphertext = ciphertext;
    this.#plaintext = plaintext;
  }

  static small(p: ProtectionJson, part: 'nonce' | 'iv' | 'aad' | 'tag'): string {
    return ((p.#small ??= {})[part] ??= toHex(p.#details[part]));
  }

  static large(p: ProtectionJson, part: 'ciphertext' | 'plaintext'): string {
    return part === 'ciphertext' ? p.#ciphertext() : p.#plaintext();
  }
}

/** One shared accessor per part: the small ones cached once encoded, the large ones from their lazy hex. */
const smallPart = (part: 'nonce' | 'iv' | 'aad' | 'tag') =>
  accessor(function (this: ProtectionJson) {
    return ProtectionJson.small(this, part);
  });
const largePart = (part: 'ciphertext' | 'plaintext') =>
  accessor(function (this: ProtectionJson) {
    return ProtectionJson.large(this, part);
  });
const NONCE = smallPart('nonce');
const IV = smallPart('iv');
const AAD = smallPart('aad');
const TAG = smallPart('tag');
const CIPHERTEXT = largePart('ciphertext');
const PLAINTEXT = largePart('plaintext');

/** Protection details as hex, each part encoded when first read (see ProtectionJson). */
export function protectionJson(d: ProtectionDetails, ciphertext: () => string, plaintext: () => string): ProtectionFields {
  return new ProtectionJson(d, ciphertext, plaintext);
}
