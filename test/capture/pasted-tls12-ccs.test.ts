// Hex pasted from a real TLS 1.2 session (s_client and s_server, ECDHE-ECDSA with AES-256-GCM, relayed byte for byte):
// with the ServerHello in the paste the version is known and there are no keys, and every record after a
// ChangeCipherSpec in that direction is shown encrypted, with a note saying why, never read as messages in clear (an
// encrypted Finished read so would be a message of a random type and length). The server's flight, the whole
// conversation pasted as one direction, and the ServerHello followed by the client's second flight; through
// decodePastedText (the page's paste box) and `tls-lens decode` (the CLI).
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePastedText, type PastedText } from '../../src/capture/pasted.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { expectPlain } from '../support/plain-words.ts';
import { relayedSession, sideBytes, type RelayedSession } from '../support/tls-relay.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
let dir: string;
let session: RelayedSession;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-paste-ccs-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-new', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'key.pem', '-subj', '/CN=localhost', '-days', '3', '-out', 'cert.pem');
  session = await relayedSession(['-cert', path.join(dir, 'cert.pem'), '-key', path.join(dir, 'key.pem'), '-tls1_2'], ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES256-GCM-SHA384']);
  expect(session.clientOutput).toMatch(/Cipher is ECDHE-ECDSA-AES256-GCM-SHA384/);
}, 60_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The records in `bytes`, as [content type, fragment]. */
function records(bytes: Buffer): [number, Buffer][] {
  const out: [number, Buffer][] = [];
  for (let p = 0; p + 5 <= bytes.length; p += 5 + bytes.readUInt16BE(p + 3)) out.push([bytes[p], bytes.subarray(p + 5, p + 5 + bytes.readUInt16BE(p + 3))]);
  return out;
}

const events = (r: PastedText): TraceEvent[] => r.decoding?.events ?? [];
const messages = (r: PastedText) => events(r).flatMap((e) => (e.kind === 'handshake' ? [e.name] : []));
const epochs = (r: PastedText) => events(r).flatMap((e) => (e.kind === 'record' ? [`${e.contentType} ${e.epoch}`] : []));

/** What each record must be shown as: in clear up to and with the first ChangeCipherSpec, encrypted after it. */
function expectedEpochs(bytes: Buffer): string[] {
  const all = records(bytes);
  const ccs = all.findIndex(([type]) => type === 20);
  expect(ccs).toBeGreaterThan(0);
  return all.map(([type], i) => `${type} ${i <= ccs ? 'plaintext' : 'application'}`);
}

describe('TLS 1.2 pasted with its ServerHello and no keys: after a ChangeCipherSpec, encrypted', () => {
  it("the server's records: the Finished is shown encrypted, and why", async () => {
    const server = sideBytes(session, 'server');
    const r = await decodePastedText(server.toString('hex'));
    expect(r.error).toBeUndefined();
    expect(r.decoding?.direction).toBe('server');
    expect(messages(r)).toEqual(['ServerHello', 'Certificate', 'ServerKeyExchange', 'ServerHelloDone', 'NewSessionTicket']);
    expect(epochs(r)).toEqual(expectedEpochs(server));
    expect(events(r).filter((e) => e.kind === 'error')).toEqual([]);
    const note = events(r).find((e) => e.kind === 'note' && e.text.startsWith('encrypted server records'));
    expect(note && note.kind === 'note' && note.text).toMatch(/^encrypted server records from record #\d+ on, not decrypted: the pasted bytes do not hold the handshake/);
    expectPlain(note && note.kind === 'note' ? note.text : undefined, 'the note on the encrypted records');
  });

  it('the whole conversation pasted as one direction: nothing after the first ChangeCipherSpec read in clear', async () => {
    const all = Buffer.concat(session.chunks.map((c) => c.bytes));
    const r = await decodePastedText(all.toString('hex'));
    expect(messages(r)).toEqual(['ClientHello', 'ServerHello', 'Certificate', 'ServerKeyExchange', 'ServerHelloDone', 'ClientKeyExchange']);
    expect(epochs(r)).toEqual(expectedEpochs(all));
    expect(events(r).filter((e) => e.kind === 'error')).toEqual([]);
  });

  it("the ServerHello, then the client's second flight: its Finished is shown encrypted", async () => {
    const server = sideBytes(session, 'server');
    const client = sideBytes(session, 'client');
    const bytes = Buffer.concat([server.subarray(0, 5 + server.readUInt16BE(3)), client.subarray(5 + client.readUInt16BE(3))]);
    for (const from of [undefined, 'client', 'server'] as const) {
      const r = await decodePastedText(bytes.toString('hex'), from ? { from } : {});
      expect(messages(r), String(from)).toEqual(['ServerHello', 'ClientKeyExchange']);
      expect(epochs(r), String(from)).toEqual(expectedEpochs(bytes));
    }
  });

  it('tls-lens decode says the same', async () => {
    const server = sideBytes(session, 'server');
    const child = promisify(execFile)(process.execPath, [BIN, 'decode', '-', '--json'], { timeout: 60_000 });
    child.child.stdin!.end(server.toString('hex'));
    const json = JSON.parse((await child).stdout) as { events: TraceEvent[] };
    expect(json.events.flatMap((e) => (e.kind === 'handshake' ? [e.name] : []))).toEqual(['ServerHello', 'Certificate', 'ServerKeyExchange', 'ServerHelloDone', 'NewSessionTicket']);
    expect(json.events.flatMap((e) => (e.kind === 'record' ? [`${e.contentType} ${e.epoch}`] : []))).toEqual(expectedEpochs(server));
  }, 60_000);
});
