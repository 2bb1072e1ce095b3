// Why a TCP connection was not made, in words a person reads (the system's code kept after them): a port where
// nothing listens, a name that does not resolve. The CLI's connect prints these as they are.
import { describe, expect, it } from 'vitest';
import { connectTcp, TransportError } from '../../src/transport/tcp.ts';
import { expectPlain } from '../support/plain-words.ts';
import { freePort } from '../support/net.ts';

async function failure(host: string, port: number): Promise<TransportError> {
  const e = await connectTcp(host, port, { timeoutMs: 5000 }).then(
    (t) => (void t.close(), null),
    (e: unknown) => e,
  );
  expect(e).toBeInstanceOf(TransportError);
  return e as TransportError;
}

describe('tcp connect failures in words', () => {
  it('a port where nothing listens: connection refused, said so', async () => {
    // A port nothing listens on: the kernel gave it to a server that is closed again.
    const port = await freePort();
    const e = await failure('127.0.0.1', port);
    expect(e.code).toBe('CONNECT_FAILED');
    expect(e.message).toBe(`cannot connect to 127.0.0.1:${port}: nothing accepts connections on that port (connection refused) [ECONNREFUSED]`);
    expectPlain(e.message, 'the refused connection');
  });

  it('a name that does not resolve (.invalid never does, RFC 6761): said so', async () => {
    const e = await failure('no-such-host.invalid', 443);
    expect(e.code).toBe('CONNECT_FAILED');
    expect(e.message).toMatch(/^cannot connect to no-such-host\.invalid:443: (no address is known for that name \(the name does not resolve\) \[ENOTFOUND\]|the name could not be looked up just now \(DNS did not answer\) \[EAI_AGAIN\])$/);
  });
});
