// What the pasted-hex fuzzing (fuzz-pasted.test.ts) found, each as constructed text: dumps whose repeat lines ("*"),
// wider lines (xxd -c 32) or one damaged line were refused or silently lost bytes; bad hex anywhere lost everything
// before it and said only the line; look-alike and invisible characters, C arrays and "0x3"; a client's second flight
// pasted alone read its encrypted Finished as a 10 MB message in clear.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHexInput } from '../../src/capture/hex-input.ts';
import { decodePastedText, pastedJson } from '../../src/capture/pasted.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// An application data record of 64 zero bytes, and an alert record after it.
const appData = '1703030040' + '00'.repeat(64);
const alert = '15030300020228';

describe('dumps', () => {
  it('hexdump -C: the line before "*" repeats up to the next offset', () => {
    const dump = [
      '00000000  17 03 03 00 40 00 00 00  00 00 00 00 00 00 00 00  |....@...........|',
      '00000010  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|',
      '*',
      '00000040  00 00 00 00 00 15 03 03  00 02 02 28              |...........(|',
      '0000004c',
      '',
    ].join('\n');
    const r = readHexInput(dump);
    expect(r.problem).toBeUndefined();
    expect(hex(r.bytes)).toBe(appData + alert);
  });

  it('xxd -c 32: every byte of a wide line, not the first 16', () => {
    const bytes = appData + alert;
    const line = (at: number) => {
      const chunk = bytes.slice(at * 2, at * 2 + 64);
      const groups = chunk.match(/.{1,4}/g)!.join(' ');
      return `${at.toString(16).padStart(8, '0')}: ${groups.padEnd(80)}  ${'.'.repeat(chunk.length / 2)}`;
    };
    const dump = [0, 32, 64].map(line).join('\n');
    const r = readHexInput(dump);
    expect(r.problem).toBeUndefined();
    expect(hex(r.bytes)).toBe(bytes);
  });

  it('a damaged byte in a dump line is named with line and column, the bytes before it kept (not the rest of the line dropped)', () => {
    const dump = ['0000   15 03 03 00 02 02 28 17 03 03 00 04 01 02 03 04   .......(........', '0010   15 03 0g 00 02 02 28                              .......'].join('\n');
    const r = readHexInput(dump);
    expect(r.problem?.message).toBe("line 2, column 15: 'g' is not a hex digit");
    expect(hex(r.bytes)).toBe('15030300020228170303000401020304' + '1503');
  });

  it('one line whose offset is damaged: that line is named, the lines before it decoded (not the whole paste read as plain hex)', async () => {
    const dump = [
      '00000000: 1503 0300 0202 2815 0303 0002 0228 1503  ......(......(..',
      '00000010: 0300 0202 2815 0303 0002 0228 1503 0300  ....(......(....',
      '0000O020: 0202 2815 0303 0002 0228                 ..(......(',
    ].join('\n');
    const r = await decodePastedText(dump);
    expect(r.error).toEqual({ code: 'NOT_HEX', message: expect.stringMatching(/^line 3, column 1: this line of the dump has no offset column/), line: 3, column: 1 });
    expect(r.bytes).toBe(32);
    // The four whole alerts of the first two lines are shown.
    expect(r.decoding?.events.filter((e) => e.kind === 'alert')).toHaveLength(4);
  });

  it('two lines missing from an xxd dump: the bytes per line still come from the lines, so the lines before are kept', () => {
    const dump = [
      '00000000: 1503 0300 0202 2815 0303 0002 0228 1503  ......(......(..',
      '00000010: 0300 0202 2815 0303 0002 0228 1503 0300  ....(......(....',
      '00000040: 0202 2815 0303 0002 0228 1503 0300 0202  ..(......(......',
      '00000050: 2815 0303 0002 0228                      (......(',
    ].join('\n');
    const r = readHexInput(dump);
    expect(r.problem?.message).toMatch(/^line 3, column 1: the offset 00000040 does not follow the bytes before it \(0020 expected\)/);
    expect(r.bytes.length).toBe(32);
  });

  it('a short dump with most offsets lost is still a dump: its first line has an ASCII column', () => {
    const dump = '00000000  16 03 01 01 00 01 00 00  fc 03 03 75 a4 b4 b5 04  |...........u....|\n0  7e f5 aa dc a7 f4 83 da  a9 07 4e aa 8d 08 a2 00  |~.........N.....|\n0';
    const r = readHexInput(dump);
    expect(r.problem?.line).toBe(2);
    expect(hex(r.bytes)).toBe('160301010001000' + '0fc030375a4b4b504');
  });

  it('a line missing from a dump: its offset does not follow', () => {
    const dump = ['0000  15 03 03 00 02 02 28 15 03 03 00 02 02 28 15 03   ', '0020  03 00 02 02 28   '].join('\n');
    expect(readHexInput(dump).problem?.message).toMatch(/^line 2, column 1: the offset 0020 does not follow the bytes before it \(0010 expected\)/);
  });
});

describe('plain hex', () => {
  it('bad hex on line 2: named with line, column and the character, line 1 decoded', async () => {
    const r = await decodePastedText(`${alert.replace(/(..)/g, '$1 ')}\n15 03 03 00 \u041e2 02 28`);
    expect(r.error?.message).toBe("line 2, column 13: '\u041e' (U+041E) is not a hex digit (the 11 bytes before it are decoded)");
    expect(r.decoding?.events.filter((e) => e.kind === 'alert')).toHaveLength(1);
  });

  it('a long line of hex with a bad character near its end keeps the bytes before it', () => {
    const r = readHexInput(appData + 'x0');
    expect(r.bytes.length).toBe(appData.length / 2);
    expect(r.problem?.column).toBe(appData.length + 1);
  });

  it('a digit lost from spaced hex is said, not paired with the next byte', () => {
    expect(readHexInput('15 03 03 00 2 02 28').problem?.message).toBe('line 1, column 13: "2" has an odd number of hex digits (1): a digit is missing or one too many');
  });

  it('invisible spaces from a web page, a C array from Wireshark, "0x3" written without its zero', () => {
    expect(hex(readHexInput('15\u00a003\u200b03 00\ufeff02 02 28').bytes)).toBe(alert);
    expect(hex(readHexInput('char peer0_0[] = { /* Packet 4 */\n0x15, 0x03, 0x03, 0x00,\n0x02, 0x02, 0x28 };\n').bytes)).toBe(alert);
    expect(hex(readHexInput('[0x15, 0x3, 0x3, 0x0, 0x2, 0x2, 0x28]').bytes)).toBe(alert);
  });
});

it("a client's second flight pasted alone: the Finished after its ChangeCipherSpec is shown encrypted, not read as a message", async () => {
  const cke = '1603030025' + '10000021' + '20' + 'ab'.repeat(32);
  const ccs = '140303000101';
  const finished = '1603030028' + '0000000000000000' + '5b'.repeat(32);
  const r = await decodePastedText(cke + ccs + finished);
  expect(r.decoding?.events.filter((e) => e.kind === 'error')).toEqual([]);
  expect(r.decoding?.events.filter((e) => e.kind === 'handshake').map((e) => e.kind === 'handshake' && e.name)).toEqual(['ClientKeyExchange']);
  expect(r.decoding?.events.filter((e) => e.kind === 'record')).toHaveLength(3);
});

it('tls-lens decode --json: what was decoded before bad hex, and the error with line and column (exit 2)', async () => {
  const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
  const text = `${alert}\n${alert.slice(0, 6)}zz`;
  const out = await new Promise<{ code: number; stdout: string }>((resolve) => {
    const child = execFile(process.execPath, [BIN, 'decode', '-', '--json'], { timeout: 60_000 }, (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout }));
    child.stdin!.end(text);
  });
  expect(out.code).toBe(2);
  const json = JSON.parse(out.stdout);
  expect(json.error).toEqual({ code: 'NOT_HEX', message: "line 2, column 7: 'z' is not a hex digit (the 10 bytes before it are decoded)", line: 2, column: 7 });
  expect(json.events.filter((e: { kind: string }) => e.kind === 'alert')).toHaveLength(1);
  expect(json).toEqual(JSON.parse(JSON.stringify(pastedJson(await decodePastedText(text)))));
}, 60_000);
