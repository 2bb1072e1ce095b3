// Inputs the STARTTLS property fuzz (fuzz-dialogues.test.ts) found, shrunk and kept as constructed bytes.
import { expect, it } from 'vitest';
import { memoryPair } from '../../src/transport/memory.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { runStartTls, StartTlsError, type StartTlsProtocol } from '../../src/starttls/index.ts';
import { expectPlain } from '../support/plain-words.ts';

/** Play a server ('wait' = one client write) and return the error runStartTls fails with, and how long it took. */
async function failWith(protocol: StartTlsProtocol, script: (Uint8Array | 'wait')[]) {
  const [client, server] = memoryPair();
  const started = Date.now();
  const running = runStartTls(protocol, client, new TraceRecorder().emit, { timeoutMs: 300, injectionWaitMs: 10 });
  void (async () => {
    for (const step of script) {
      if (step === 'wait') await server.read();
      else await server.write(step);
    }
  })();
  const error = await running.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(StartTlsError);
  return { error: error as StartTlsError, ms: Date.now() - started };
}

it('LDAP: a message nested thousands deep is a plain protocol error, not a call-stack overflow', async () => {
  // LDAPMessage { messageID 1, then 12000 nested SEQUENCEs with two-byte lengths }.
  const depth = 12_000;
  const nested = new Uint8Array(depth * 4);
  for (let i = depth - 1, len = 0; i >= 0; i--, len += 4) nested.set([0x30, 0x82, len >> 8, len & 0xff], i * 4);
  const body = new Uint8Array([0x02, 0x01, 0x01, ...nested]);
  const msg = new Uint8Array([0x30, 0x83, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff, ...body]);
  const { error } = await failWith('ldap', ['wait', msg]);
  expect(error.code).toBe('PROTOCOL_ERROR');
  expectPlain(error.message, error.message);
  expect(error.message).toMatch(/^LDAP: malformed message: elements nested more than \d+ deep/);
});

it('XMPP: an open quote followed by a flood of ">" settles in time (was quadratic per read: a hang)', async () => {
  const script: (Uint8Array | 'wait')[] = ['wait', new TextEncoder().encode(`<stream:stream '`)];
  for (let i = 0; i < 1000; i++) script.push(new Uint8Array(30).fill(0x3e));
  const { error, ms } = await failWith('xmpp', script);
  // Nothing closes the quote, so the header never ends: the reply timeout, not minutes of parsing.
  expect(error.code).toBe('TIMEOUT');
  expect(error.message).toMatch(/^XMPP: no answer within 300 ms while waiting for the server stream header/);
  expect(ms).toBeLessThan(5000);
}, 20_000);

it("XMPP: a '>' inside a quoted attribute value with an apostrophe in double quotes does not end the tag", async () => {
  const header = `<stream:stream xmlns:stream='http://etherx.jabber.org/streams' version='1.0' from="it's > here">`;
  const [client, server] = memoryPair();
  const recorder = new TraceRecorder();
  const running = runStartTls('xmpp', client, recorder.emit, { timeoutMs: 300, injectionWaitMs: 10 });
  await server.read();
  await server.write(new TextEncoder().encode(header + `<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>`));
  await server.read();
  await server.write(new TextEncoder().encode(`<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`));
  const result = await running;
  expect(result.capabilitiesBefore).toEqual(['starttls']);
  await result.transport.close();
});

it('SMTP: a server trickling its greeting a byte at a time, each inside the reply timeout, ends at the whole-dialogue deadline', async () => {
  const [client, server] = memoryPair();
  const recorder = new TraceRecorder();
  const started = Date.now();
  // Each byte comes well inside the 200 ms reply timeout; without a deadline for the whole phase this would run for
  // as long as the 8 KiB line limit allows (minutes).
  const running = runStartTls('smtp', client, recorder.emit, { timeoutMs: 200, totalTimeoutMs: 600, injectionWaitMs: 10 });
  let stop = false;
  void (async () => {
    for (let i = 0; i < 200 && !stop; i++) {
      await server.write(new Uint8Array([0x32])).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const error = (await running.then(() => null, (e: unknown) => e)) as StartTlsError;
  stop = true;
  const ms = Date.now() - started;
  expect(error).toBeInstanceOf(StartTlsError);
  expect(error.code).toBe('TIMEOUT');
  expect(error.message).toMatch(/^SMTP: the plaintext dialogue is still not over after 600 ms/);
  expectPlain(error.message, error.message);
  expect(ms).toBeGreaterThanOrEqual(550);
  expect(ms).toBeLessThan(3000);
});
