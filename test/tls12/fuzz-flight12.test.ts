// Mutated real TLS 1.2 flights: the hand-built server's records (ServerHello..ServerHelloDone in the clear, then
// ChangeCipherSpec and Finished) with a byte flipped, inserted or removed, after which the server hangs up.
// The client must end with a TLS error code (never INTERNAL_ERROR) or succeed, and never hang.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { connectTls } from '../../src/tls/client.ts';
import { memoryPair } from '../../src/transport/memory.ts';
import type { Transport } from '../../src/transport/types.ts';
import { toHex } from '../../src/util/bytes.ts';
import { recorder } from '../tls/helpers.ts';
import { assertCodedFailures, handshakeOutcome } from '../support/fuzz.ts';
import { runHostileServer12 } from './hostile-server12.ts';
import { usePki } from '../support/pki.ts';

const HANG_MS = 15_000;

const pki = usePki();

const mutation = fc.record({
  write: fc.integer({ min: 0, max: 2 }),
  kind: fc.constantFrom('flip', 'insert', 'remove', 'truncate'),
  pos: fc.nat(),
  byte: fc.integer({ min: 1, max: 255 }),
});
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

/** Change one write's bytes; inside a record body the record length follows, so the change reaches the parsers. */
function applyMutation(m: Mutation, data: Uint8Array): Uint8Array {
  const p = m.pos % data.length;
  const fixLength = (b: Uint8Array, delta: number) => {
    if (p >= 5 && b.length >= 5) {
      const length = ((b[3] << 8) | b[4]) + delta;
      b[3] = length >> 8;
      b[4] = length & 0xff;
    }
    return b;
  };
  switch (m.kind) {
    case 'flip': {
      const b = Uint8Array.from(data);
      b[p] ^= m.byte;
      return b;
    }
    case 'insert':
      return fixLength(Uint8Array.from([...data.subarray(0, p), m.byte, ...data.subarray(p)]), 1);
    case 'remove':
      return fixLength(Uint8Array.from([...data.subarray(0, p), ...data.subarray(p + 1)]), -1);
    default:
      return data.slice(0, p);
  }
}

/** The server's side of the pair: its `m.write`-th write is bent, then it hangs up (so nothing waits on it). */
function bending(t: Transport, m: Mutation, sent: (hex: string) => void): Transport {
  let writes = 0;
  let done = false;
  return {
    read: () => t.read(),
    close: () => t.close(),
    async write(data: Uint8Array) {
      if (done) return;
      if (writes++ !== m.write) return t.write(data);
      const bent = applyMutation(m, data);
      sent(toHex(bent));
      done = true;
      await t.write(bent);
      await t.close();
    },
  };
}

describe('fuzzing the TLS 1.2 client with mutated server flights', () => {
  it('every mutation ends in a coded TLS failure (or a success when the change was harmless)', async () => {
    await assertCodedFailures(mutation, async (m) => {
      const [client, server] = memoryPair();
      const rec = recorder();
      let sentHex = '';
      void runHostileServer12(bending(server, m, (hex) => (sentHex = hex)), { certDer: pki.leafDer, keyPkcs8: pki.leafKeyPkcs8 });
      const connecting = connectTls(client, { serverName: 'localhost', insecure: true, timeoutMs: HANG_MS, versions: ['TLS1.2'] }, rec.emit);
      const { outcome, detail } = await handshakeOutcome(connecting, { quietClose: true });
      await server.close();
      return { outcome, detail, sentHex, events: rec.events };
    });
  }, 120_000);
});
