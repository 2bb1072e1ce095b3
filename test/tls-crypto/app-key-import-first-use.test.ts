// Application keys imported at their first use (AeadOptions.importAtFirstUse, WebCrypto provider): the
// handshake does not import them itself, so connectTls resolves before the client's application key is imported;
// a write and a read right after still work, each key imported once; and a key whose import fails ends the
// connection with an error (and our alert where it can still be sealed), not with a record that looks forged.
import { afterEach, describe, expect, it } from 'vitest';
import { connectTls } from '../../src/tls/client.ts';
import { connectTcp } from '../../src/transport/tcp.ts';
import { toHex, utf8 } from '../../src/util/bytes.ts';
import { createVerifier } from '../../src/x509/verifier.ts';
import type { TraceEvent } from '../../src/trace/types.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { startSServer, type SServer } from '../tls/helpers.ts';
import { waitFor } from '../tls12/helpers12.ts';
import { usePki } from '../support/pki.ts';

const pki = usePki();

type ImportKey = SubtleCrypto['importKey'];

/** Every AES-GCM key WebCrypto is asked to import (hex of the raw key), through a wrapper on the real call; `refuse`
 * makes the import of the keys it names fail as WebCrypto would. */
function watchingAesImports(refuse: (keyHex: string) => boolean = () => false): { imported: string[]; restore(): void } {
  const subtle = crypto.subtle as unknown as { importKey: ImportKey };
  const real: ImportKey = crypto.subtle.importKey.bind(crypto.subtle);
  const imported: string[] = [];
  subtle.importKey = ((format: KeyFormat, keyData: BufferSource, algorithm: AlgorithmIdentifier, extractable: boolean, usages: KeyUsage[]) => {
    const name = typeof algorithm === 'string' ? algorithm : algorithm.name;
    if (format === 'raw' && name === 'AES-GCM') {
      const hex = toHex(new Uint8Array(ArrayBuffer.isView(keyData) ? keyData.buffer.slice(keyData.byteOffset, keyData.byteOffset + keyData.byteLength) : keyData));
      imported.push(hex);
      if (refuse(hex)) return Promise.reject(new DOMException('the key was refused (test)', 'DataError'));
    }
    return real(format as 'raw', keyData, algorithm, extractable, usages);
  }) as ImportKey;
  return { imported, restore: () => void delete (subtle as Partial<{ importKey: ImportKey }>).importKey };
}

/** The hex of a key event's output (its name as the trace shows it, e.g. client_application_write_key). */
function keyHex(events: TraceEvent[], name: string): string {
  const e = events.find((x) => x.kind === 'key' && x.name === name) as { output: string } | undefined;
  if (!e) throw new Error(`no ${name} in the trace`);
  return e.output;
}

describe('application keys imported at their first use', () => {
  // One s_server per test: it serves one connection at a time, and a test that fails must not hold up the next.
  let server: SServer | undefined;
  let watch: ReturnType<typeof watchingAesImports> | undefined;
  afterEach(async () => {
    watch?.restore();
    await server?.stop();
    server = undefined;
  });

  const connect = async (rec: TraceRecorder) => {
    server = await startSServer(pki);
    return connectTls(await connectTcp('127.0.0.1', server.port), { serverName: 'localhost', verifier: createVerifier({ anchors: [pki.rootDer] }), timeoutMs: 10_000 }, rec.emit);
  };

  it('connectTls resolves before the client application key is imported; a write and a read right after work', async () => {
    watch = watchingAesImports();
    const rec = new TraceRecorder();
    const conn = await connect(rec);
    const events = rec.events as TraceEvent[];
    const clientApp = keyHex(events, 'client_application_write_key');
    const serverApp = keyHex(events, 'server_application_write_key');
    // Both handshake keys were imported by the handshake; the client's application key not yet (before this change
    // the handshake imported both application keys itself).
    expect(watch.imported).toContain(keyHex(events, 'server_handshake_write_key'));
    expect(watch.imported).toContain(keyHex(events, 'client_handshake_write_key'));
    expect(watch.imported).not.toContain(clientApp);

    await conn.write(utf8.encode('written right after the handshake\n'));
    await waitFor(() => server!.output().includes('written right after the handshake'));
    server!.type('read right after\n');
    expect(utf8.decode((await conn.read())!)).toBe('read right after\n');
    // Each application key imported exactly once, by its first use.
    expect(watch.imported.filter((k) => k === clientApp)).toHaveLength(1);
    expect(watch.imported.filter((k) => k === serverApp)).toHaveLength(1);
    await conn.close();
  });

  it('a client application key that cannot be imported fails the first write and ends the connection', async () => {
    const rec = new TraceRecorder();
    watch = watchingAesImports((hex) => rec.events.some((e) => e.kind === 'key' && e.name === 'client_application_write_key' && (e as unknown as { output: string }).output === hex));
    const conn = await connect(rec);
    await expect(conn.write(utf8.encode('never sent\n'))).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    // The connection is over: reads and writes get the same failure, and the trace says why.
    await expect(conn.read()).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    await expect(conn.write(utf8.encode('again\n'))).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    const error = (rec.events as TraceEvent[]).find((e) => e.kind === 'error') as { code: string; message: string } | undefined;
    expect(error?.code).toBe('INTERNAL_ERROR');
    expect(error?.message).toMatch(/refused/);
    await conn.close();
  });

  it('a server application key that cannot be imported fails the first read, with our internal_error alert', async () => {
    const rec = new TraceRecorder();
    watch = watchingAesImports((hex) => rec.events.some((e) => e.kind === 'key' && e.name === 'server_application_write_key' && (e as unknown as { output: string }).output === hex));
    const conn = await connect(rec);
    // Our direction still works: the server reads this.
    await conn.write(utf8.encode('the client key is fine\n'));
    await waitFor(() => server!.output().includes('the client key is fine'));
    // The server's first record after the handshake (a ticket) cannot be opened: an error, never a forged record.
    await expect(conn.read()).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    const events = rec.events as TraceEvent[];
    expect(events.some((e) => e.kind === 'alert' && e.direction === 'client' && (e as unknown as { name: string }).name === 'internal_error')).toBe(true);
    expect(events.some((e) => e.kind === 'error' && (e as unknown as { code: string }).code === 'INTERNAL_ERROR')).toBe(true);
    expect(events.some((e) => e.kind === 'error' && /authentication/.test((e as unknown as { message: string }).message))).toBe(false);
    await conn.close();
  });
});
