// Mutated real flights: a hand-built server sends a correct handshake with random bytes changed, removed
// or inserted. The client must always end with a TLS error code (never an internal error), and never hang.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { connectTls } from '../../src/tls/client.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import { runHostileServer } from './hostile-server.ts';
import { recorder } from './helpers.ts';
import { toHex } from '../../src/util/bytes.ts';
import { assertCodedFailures, handshakeOutcome } from '../support/fuzz.ts';
import { usePki } from '../support/pki.ts';

const HANG_MS = 15_000;

const pki = usePki();

const mutation = fc.record({
  message: fc.integer({ min: 0, max: 4 }),
  kind: fc.constantFrom('flip', 'truncate', 'insert', 'length'),
  pos: fc.nat(),
  byte: fc.integer({ min: 0, max: 255 }),
});

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

/** Change one message's bytes as `m` says. */
function applyMutation(m: Mutation, bytes: Uint8Array): Uint8Array {
  const p = m.pos % bytes.length;
  switch (m.kind) {
    case 'flip':
      bytes[p] ^= m.byte || 1;
      return bytes;
    case 'truncate':
      return bytes.subarray(0, Math.max(1, p));
    case 'insert':
      return Uint8Array.from([...bytes.subarray(0, p), m.byte, ...bytes.subarray(p)]);
    case 'length':
      // Break the handshake header's length field.
      bytes[1 + (p % 3)] = m.byte;
      return bytes;
  }
}

describe('fuzzing the client with mutated server flights', () => {
  it('every mutation ends in a coded TLS failure (or a success when the change was harmless), never a hang', async () => {
    await assertCodedFailures(mutation, async (m) => {
      const [client, server] = memoryPair();
      const rec = recorder();
      let sentHex = '';
      void runHostileServer(server, {
        certDer: pki.leafDer,
        keyPkcs8: pki.leafKeyPkcs8,
        mutate: (index, bytes) => {
          if (index !== m.message || bytes.length === 0) return bytes;
          const out = applyMutation(m, bytes);
          sentHex = toHex(out);
          return out;
        },
      });
      const { outcome, detail } = await handshakeOutcome(connectTls(client, { serverName: 'localhost', insecure: true, timeoutMs: HANG_MS }, rec.emit));
      return { outcome, detail, sentHex, events: rec.events };
    });
  }, 120_000);
});
