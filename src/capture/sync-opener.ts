// Opening a captured record before returning, where the crypto provider can (node:crypto's `Aead.openSync`; not
// WebCrypto): a capture's records are then decrypted in one plain loop, with no await per record. The result is
// what the engine's protectors' `decryptAt` gives (tls13-protector.ts, tls12-aead-protector.ts: nonce, additional
// data, inner plaintext, details); they stay the reference: a record that does not open here (wrong key, a bad
// inner plaintext) is opened again by its protector, whose error the trace shows.
import { ContentType, MAX_PLAINTEXT, additionalData12, createAead, isKnownContentType, xorSeq, type OpenedRecord, type RawRecord, type RecordProtector, type Tls12Suite, type Tls13Suite } from './engine.ts';

export type SyncOpen = (record: RawRecord, seq: number) => OpenedRecord | null;

/** The synchronous opener made with each protector (absent: the provider has none, or the suite is CBC). */
const openers = new WeakMap<RecordProtector, SyncOpen>();

/** Whether `protector`'s records open without an await. */
export function canOpenNow(protector: RecordProtector): boolean {
  return openers.has(protector);
}

/** `protector`'s record opened now: the record, null when it does not open, undefined when only `decryptAt` can tell. */
export function openNow(protector: RecordProtector, record: RawRecord, seq: number): OpenedRecord | null | undefined {
  return openers.get(protector)?.(record, seq);
}

/** TLS 1.3 (RFC 8446 §5.2): nonce = iv XOR seq, additional data = the record header, inner plaintext unpadded. */
export async function addOpener13(protector: RecordProtector, suite: Tls13Suite, key: Uint8Array, iv: Uint8Array): Promise<void> {
  const aead = await createAead(suite.aead, key);
  const openSync = aead.openSync;
  if (!openSync) return;
  const tagLength = aead.tagLength;
  const fixedIv = Uint8Array.from(iv);
  openers.set(protector, (record, seq) => {
    const fragment = record.fragment;
    if (record.contentType !== ContentType.application_data || fragment.length <= tagLength) return null;
    const nonce = xorSeq(fixedIv, BigInt(seq));
    const aad = record.bytes.subarray(0, 5);
    const opened = openSync(nonce, aad, fragment);
    if (!opened || opened.length > MAX_PLAINTEXT + 1) return null;
    let end = opened.length - 1;
    while (end >= 0 && opened[end] === 0) end--;
    if (end < 0) return null;
    const contentType = opened[end];
    if (!isKnownContentType(contentType) || contentType === ContentType.change_cipher_spec) return null;
    const plaintext = opened.subarray(0, end);
    const tagStart = fragment.length - tagLength;
    return {
      contentType,
      fragment: plaintext,
      seq: BigInt(seq),
      details: { cipherSuite: suite.name, nonce, iv: fixedIv, aad, ciphertext: fragment.subarray(0, tagStart), tag: fragment.subarray(tagStart), plaintext, innerContentType: contentType, paddingLength: opened.length - 1 - end },
    };
  });
}

/**
 * TLS 1.2 AEAD (RFC 5246 §6.2.3.3): AES-GCM's nonce is the implicit salt || the record's 8-byte explicit nonce
 * (RFC 5288), ChaCha20-Poly1305's the IV XOR seq (RFC 7905); additional data = seq || type || version || length.
 */
export async function addOpener12(protector: RecordProtector, suite: Tls12Suite, key: Uint8Array, iv: Uint8Array): Promise<void> {
  if (suite.cipher === 'AES-CBC') return;
  const aead = await createAead(suite.cipher, key);
  const openSync = aead.openSync;
  if (!openSync) return;
  const explicitLength = suite.cipher === 'AES-GCM' ? 8 : 0;
  const fixedIv = Uint8Array.from(iv);
  openers.set(protector, (record, seq) => {
    const fragment = record.fragment;
    if (fragment.length < explicitLength + 16) return null;
    const explicit = fragment.subarray(0, explicitLength);
    let nonce: Uint8Array;
    if (explicitLength) {
      nonce = new Uint8Array(fixedIv.length + explicitLength);
      nonce.set(fixedIv, 0);
      nonce.set(explicit, fixedIv.length);
    } else nonce = xorSeq(fixedIv, BigInt(seq));
    const sealed = fragment.subarray(explicitLength);
    const aad = additionalData12(BigInt(seq), record.contentType, sealed.length - 16);
    const opened = openSync(nonce, aad, sealed);
    if (!opened || opened.length > MAX_PLAINTEXT) return null;
    const tagStart = sealed.length - 16;
    return {
      contentType: record.contentType,
      fragment: opened,
      seq: BigInt(seq),
      details: { cipherSuite: suite.name, nonce, iv: fixedIv, aad, ciphertext: sealed.subarray(0, tagStart), tag: sealed.subarray(tagStart), plaintext: opened, innerContentType: record.contentType, paddingLength: 0 },
    };
  });
}
