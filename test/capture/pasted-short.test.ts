// Tiny pastes into `decode` and the page's paste box: a record header or a handshake message header cut short. The
// message says what the bytes are and what is missing, in hex for byte values and words for counts; never a length
// of -2 or -1, never content types in decimal beside versions in hex, and 3 bytes are not tried as a message.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePastedText } from '../../src/capture/pasted.ts';
import { expectPlain } from '../support/plain-words.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');

async function notTls(hex: string): Promise<string> {
  const r = await decodePastedText(hex);
  expect(r.decoding, hex).toBeUndefined();
  expect(r.error?.code, hex).toBe('NOT_TLS');
  const message = r.error!.message;
  expectPlain(message, hex);
  // One way of writing numbers: no negative lengths, no decimal content types.
  expect(message, hex).not.toMatch(/-\d|\b20-2[34]\b/);
  return message;
}

describe('a few bytes pasted: what is there and what is missing', () => {
  it('2 bytes: too short for either header, and they begin a record header', async () => {
    expect(await notTls('1603')).toBe(
      '2 bytes (16 03): too short for a TLS record header (5 bytes: content type, version, 2-byte length) or a handshake message header (4 bytes: type, 3-byte length); they begin like a record header (content type 0x16, handshake, version 03 …): paste the whole record',
    );
  });

  it('3 bytes are not read as a handshake message (whose length would be -1)', async () => {
    expect(await notTls('160301')).toMatch(/^3 bytes \(16 03 01\): too short for a TLS record header \(5 bytes.*\) or a handshake message header \(4 bytes.*; they begin like a record header \(content type 0x16, handshake, version 03 01\)/);
    expect(await notTls('010000')).toMatch(/^3 bytes \(01 00 00\): too short .*; they may begin a handshake message \(type 0x01, ClientHello\): paste the whole message$/);
  });

  it('a record header cut before the end of its length', async () => {
    expect(await notTls('16030100')).toBe(
      "4 bytes (16 03 01 00): a TLS record header cut short: content type 0x16 (handshake), version 03 01, then only the first byte of its 2-byte length; a TLS record header is 5 bytes: content type, version, 2-byte length, and the record's content follows it",
    );
  });

  it('a handshake message header whose body is missing', async () => {
    expect(await notTls('01000005')).toBe('4 bytes (01 00 00 05): a ClientHello handshake message (type 0x01) cut short: its 3-byte length says 5 bytes follow the 4-byte header, but none do');
    expect(await notTls('0100000501')).toMatch(/but only 1 does$/);
  });

  it('a record header no record can have: says which part is wrong, in hex', async () => {
    expect(await notTls('1603ff0005')).toMatch(/^5 bytes \(16 03 ff 00 05\): they begin like a TLS record header \(content type 0x16, handshake\), but version 03 ff is no TLS version \(03 00 to 03 04\)/);
    expect(await notTls('1603034900')).toMatch(/its length 0x4900 \(18688 bytes\) is more than any TLS record holds/);
  });

  it('bytes that are not TLS at all: content types and versions both in hex', async () => {
    const message = await notTls(Buffer.from('GET / HTTP/1.1\r\n').toString('hex'));
    expect(message).toMatch(/^16 bytes \(47 45 54 20 2f 20 48 54 …\) are neither TLS records \(a record starts with a content type 0x14 to 0x18 and a version 03 00 to 03 04; these start 47 45 54 20 2f\) nor one handshake message/);
  });

  it('every prefix of a record shorter than its header says how many bytes it has', async () => {
    const record = '16030100050100000100';
    for (let n = 1; n <= 4; n++) expect(await notTls(record.slice(0, n * 2))).toMatch(new RegExp(`^${n === 1 ? '1 byte' : `${n} bytes`} \\(`));
  });

  it('tls-lens decode says the same', async () => {
    const stderr = await new Promise<string>((resolve) => execFile('node', [BIN, 'decode', '1603'], { timeout: 60_000 }, (_e, _out, err) => resolve(err)));
    expect(stderr).toBe(`tls-lens decode: ${await notTls('1603')}\n`);
  });
});
