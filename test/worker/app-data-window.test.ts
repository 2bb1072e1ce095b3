// The page's window on a long transfer, on a real session: the engine reads 600 KiB that Node's TLS server
// sends (TLS 1.3, then TLS 1.2 with AES-GCM); the first window of application data reaches the page in full,
// then records keep their header, sizes, nonce and tag and data keeps its length and SHA-256, marked summarised;
// the full events (kept by the worker) replace them in a saved trace.
import crypto from 'node:crypto';
import fs from 'node:fs';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { connectTls } from '../../src/tls/client.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import type { AppDataEvent, RecordEvent, TraceEvent } from '../../src/trace/types.ts';
import { AppDataWindow } from '../../src/worker/app-data-window.ts';
import { buildRows } from '../../src/ui/rows.ts';
import { recorder } from '../tls/helpers.ts';
import { usePki } from '../support/pki.ts';

const pki = usePki();
const SENT = 600 * 1024;
const WINDOW = 64 * 1024;

/** A real session reading SENT bytes from Node's TLS server; its whole trace. */
async function longTransfer(options: tls.TlsOptions): Promise<{ events: TraceEvent[]; body: Buffer }> {
  const body = crypto.randomBytes(SENT);
  const server = tls.createServer({ key: fs.readFileSync(pki.leafKey), cert: fs.readFileSync(pki.leafCert), ...options }, (s) => {
    s.on('error', () => {});
    s.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const rec = recorder();
  try {
    const conn = await connectTls(await connectTcp('127.0.0.1', (server.address() as { port: number }).port), { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000 }, rec.emit);
    let got = 0;
    for (let d = await conn.read(); d; d = await conn.read()) got += d.length;
    expect(got).toBe(SENT);
  } finally {
    await new Promise((r) => server.close(r));
  }
  return { events: rec.events, body };
}

const isAppRecord = (e: TraceEvent): e is RecordEvent => e.kind === 'record' && (e.protection?.innerContentType ?? e.contentType) === 23;
const sha256 = (hex: string) => crypto.createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex');

describe.each([
  ['TLS 1.3', { minVersion: 'TLSv1.3' } as tls.TlsOptions],
  ['TLS 1.2 AES-GCM', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' } as tls.TlsOptions],
])('AppDataWindow on %s', (_name, options) => {
  it('sends the first window in full, then summaries with lengths, hashes and the record metadata; the full events replace them on saving', async () => {
    const { events: full, body } = await longTransfer(options);
    const window = new AppDataWindow({ window: WINDOW, kept: true });
    const page = full.map((e) => window.forPage(e));
    await window.digested();
    expect(window.summarisedAny).toBe(true);

    // Everything but application data is passed as is; so is the data within the window.
    full.forEach((e, i) => {
      if (e.kind !== 'record' && e.kind !== 'app-data') expect(page[i]).toBe(e);
    });
    const fullData = full.filter((e): e is AppDataEvent => e.kind === 'app-data' && e.direction === 'server');
    const pageData = page.filter((e): e is AppDataEvent => e.kind === 'app-data' && e.direction === 'server');
    const shown = pageData.filter((e) => !e.summarised);
    const shownBytes = shown.reduce((n, e) => n + e.bytes.length / 2, 0);
    expect(shownBytes).toBeGreaterThanOrEqual(WINDOW);
    expect(shownBytes).toBeLessThan(WINDOW + 17 * 1024);
    expect(Buffer.from(shown.map((e) => e.bytes).join(''), 'hex').equals(body.subarray(0, shownBytes))).toBe(true);

    // Summarised data: empty bytes, its own length and SHA-256; together with the shown data, the whole body.
    const left = pageData.filter((e) => e.summarised);
    expect(left.length).toBeGreaterThan(10);
    let offset = shownBytes;
    for (const e of left) {
      const original = fullData.find((f) => f.index === e.index)!;
      expect(e.bytes).toBe('');
      expect(e.summarised!.length).toBe(original.bytes.length / 2);
      expect(e.summarised!.sha256).toBe(crypto.createHash('sha256').update(body.subarray(offset, offset + e.summarised!.length)).digest('hex'));
      expect(e.summarised!.sha256).toBe(sha256(original.bytes));
      expect(e.summarised!.kept).toBe(true);
      offset += e.summarised!.length;
    }
    expect(offset).toBe(SENT);

    // Summarised records: header (and TLS 1.2's explicit nonce), nonce, tag, sizes kept; bodies left out.
    const leftRecords = page.filter((e): e is RecordEvent => isAppRecord(e) && e.summarised !== undefined);
    expect(leftRecords.length).toBe(left.length);
    for (const r of leftRecords) {
      const original = full[r.index] as RecordEvent;
      expect(original.bytes.startsWith(r.bytes)).toBe(true);
      expect(r.bytes.length).toBe(original.protection!.iv.length === 8 ? 26 : 10);
      expect(r.protection).toMatchObject({ nonce: original.protection!.nonce, tag: original.protection!.tag, aad: original.protection!.aad, iv: original.protection!.iv, ciphertext: '', plaintext: '' });
      expect(r.summarised!.length).toBe(original.protection!.plaintext.length / 2);
      expect(r.seq).toBe(original.seq);
      expect(r.summarised!.kept).toBe(true);
    }

    // The ladder says which records were summarised, with their sizes.
    const labels = buildRows(page).filter((row) => row.kind === 'app-data' && row.side === 'server').map((row) => row.label);
    expect(labels.filter((l) => l.endsWith(', summarised)'))).toHaveLength(leftRecords.length);
    expect(labels.filter((l) => !l.endsWith(', summarised)')).length).toBeGreaterThan(0);

    // Saving: each summarised event replaced by the full one of the same index gives the whole trace back.
    const saved = page.map((e) => ((e.kind === 'record' || e.kind === 'app-data') && e.summarised ? full[e.index] : e));
    expect(JSON.stringify(saved)).toBe(JSON.stringify(full));
  });
});
