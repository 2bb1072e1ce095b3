// Field trees for records: the 5-byte header and the fragment, with byte spans into the record.
// Explain keys: record.content_type, record.legacy_version, record.length, record.fragment,
// record.encrypted_record, record.auth_tag (entries belong in src/trace/explain.ts).
import type { FieldNode } from '../../trace/types.ts';
import { AlertLevel, alertName } from './alerts.ts';
import { ContentType, RECORD_HEADER_LENGTH, contentTypeName } from './content-types.ts';

const hex4 = (n: number) => '0x' + n.toString(16).padStart(4, '0');

const VERSION_NAMES: Record<number, string> = { 0x0300: 'SSL 3.0', 0x0301: 'TLS 1.0', 0x0302: 'TLS 1.1', 0x0303: 'TLS 1.2' };

export function versionName(version: number): string {
  return `${VERSION_NAMES[version] ?? 'unknown'} (${hex4(version)})`;
}

// Every record's header says one of a few types and versions: their descriptions are made once, not per record.
const typeValues = new Map<number, string>();
const versionValues = new Map<number, string>();

function remembered(cache: Map<number, string>, key: number, describe: (key: number) => string): string {
  let value = cache.get(key);
  if (value === undefined) {
    value = describe(key);
    if (cache.size < 32) cache.set(key, value); // a capture of odd bytes does not grow it without end
  }
  return value;
}

function headerFields(bytes: Uint8Array): FieldNode[] {
  return headerFieldsOf(bytes[0], (bytes[1] << 8) | bytes[2], (bytes[3] << 8) | bytes[4]);
}

function headerFieldsOf(type: number, version: number, length: number): FieldNode[] {
  return [
    { name: 'content_type', start: 0, end: 1, value: remembered(typeValues, type, (t) => `${contentTypeName(t)} (${t})`), explain: 'record.content_type' },
    { name: 'legacy_record_version', start: 1, end: 3, value: remembered(versionValues, version, versionName), explain: 'record.legacy_version' },
    { name: 'length', start: 3, end: 5, value: String(length), explain: 'record.length' },
  ];
}

/** Fields of a plaintext record (TLSPlaintext). */
export function plaintextRecordFields(bytes: Uint8Array): FieldNode[] {
  const type = bytes[0];
  const fragment: FieldNode = { name: 'fragment', start: RECORD_HEADER_LENGTH, end: bytes.length, explain: 'record.fragment' };
  if (type === ContentType.alert && bytes.length === RECORD_HEADER_LENGTH + 2) {
    fragment.value = `${bytes[5] === AlertLevel.fatal ? 'fatal' : bytes[5] === AlertLevel.warning ? 'warning' : `level ${bytes[5]}`} ${alertName(bytes[6])}`;
  } else if (type === ContentType.change_cipher_spec) {
    fragment.value = bytes.length === RECORD_HEADER_LENGTH + 1 && bytes[5] === 1 ? 'change_cipher_spec (0x01)' : 'malformed change_cipher_spec';
  }
  return [...headerFields(bytes), fragment];
}

/** Fields of a protected record (TLSCiphertext): encrypted record and authentication tag. */
export function protectedRecordFields(bytes: Uint8Array, tagLength: number): FieldNode[] {
  return protectedRecordFieldsOf(bytes[0], (bytes[1] << 8) | bytes[2], bytes.length, tagLength);
}

/** protectedRecordFields from the header's values and the record's whole length (all it reads of the bytes). */
export function protectedRecordFieldsOf(type: number, version: number, recordLength: number, tagLength: number): FieldNode[] {
  const tagStart = Math.max(RECORD_HEADER_LENGTH, recordLength - tagLength);
  const fields = headerFieldsOf(type, version, recordLength - RECORD_HEADER_LENGTH);
  fields.push(
    { name: 'encrypted_record', start: RECORD_HEADER_LENGTH, end: tagStart, explain: 'record.encrypted_record' },
    { name: 'auth_tag', start: tagStart, end: recordLength, explain: 'record.auth_tag' },
  );
  return fields;
}
