// The client certificate our client sent, read back from the trace's client Certificate message (the Certificates
// view shows it as ours), and the client-certificate breakpoint's words.
import { describe, expect, it } from 'vitest';
import { certificatesOf, sentClientCertificate } from '../../src/ui/client-certificate.ts';
import { clientCertChoices, clientCertPauseNote } from '../../src/ui/breakpoint-words.ts';
import { encodeHandshake } from '../../src/tls/messages/handshake.ts';
import { encodeHandshake12 } from '../../src/tls/messages/tls12.ts';
import { toHex } from '../../src/util/bytes.ts';
import type { HandshakeMessageEvent, TraceEvent } from '../../src/trace/types.ts';

const der = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const leaf = der(40, 0x30);
const intermediate = der(25, 0x31);

function message(direction: 'client' | 'server', index: number, encoded: { bytes: Uint8Array; fields: HandshakeMessageEvent['fields'] }, epoch: HandshakeMessageEvent['epoch'] = 'handshake'): HandshakeMessageEvent {
  return { kind: 'handshake', index, t: 0, conn: 0, direction, epoch, msgType: 11, name: 'Certificate', bytes: toHex(encoded.bytes), fields: encoded.fields, records: [] };
}

const tls13 = (chain: Uint8Array[]) => encodeHandshake({ type: 'certificate', context: new Uint8Array(0), entries: chain.map((certData) => ({ certData, extensions: [] })) });
const tls12 = (chain: Uint8Array[]) => encodeHandshake12({ type: 'certificate12', chain });

describe('certificatesOf', () => {
  it('TLS 1.3: each entry\'s cert_data, leaf first', () => {
    expect(certificatesOf(message('client', 0, tls13([leaf, intermediate])))).toEqual([toHex(leaf), toHex(intermediate)]);
  });
  it('TLS 1.2: each "certificate N", leaf first', () => {
    expect(certificatesOf(message('client', 0, tls12([leaf, intermediate])))).toEqual([toHex(leaf), toHex(intermediate)]);
  });
  it('an empty Certificate (declined): none', () => {
    expect(certificatesOf(message('client', 0, tls13([])))).toEqual([]);
    expect(certificatesOf(message('client', 0, tls12([])))).toEqual([]);
  });
});

describe('sentClientCertificate', () => {
  const start: TraceEvent = { kind: 'connection', phase: 'start', index: 0, t: 0, conn: 0 };
  const server = message('server', 1, tls13([intermediate]));
  const ours = message('client', 2, tls13([leaf, intermediate]));

  it('the client Certificate, not the server\'s, once the cursor has reached it', () => {
    const events = [start, server, ours];
    expect(sentClientCertificate(events, 1)).toBeUndefined();
    expect(sentClientCertificate(events)).toEqual({ event: 2, conn: 0, chain: [toHex(leaf), toHex(intermediate)], encrypted: true });
  });
  it('TLS 1.2 sends it in plaintext', () => {
    expect(sentClientCertificate([start, message('client', 1, tls12([leaf]), 'plaintext')])).toMatchObject({ chain: [toHex(leaf)], encrypted: false });
  });
  it('a trace our server recorded: the client certificate is the peer\'s, not ours', () => {
    expect(sentClientCertificate([{ ...start, recordedBy: 'server' } as TraceEvent, server, ours])).toBeUndefined();
  });
});

describe('client-certificate breakpoint words', () => {
  it('names the choices, never "no client certificate configured" when the lab certificate is there to send', () => {
    const text = clientCertChoices('no client certificate configured', 'loaded');
    expect(text).not.toMatch(/no client certificate configured/);
    expect(text).toContain("send the lab's client certificate (loaded, ready to send");
    expect(text).toContain('or decline and send an empty Certificate');
  });
  it('says when the lab certificate is still loading or could not be loaded', () => {
    expect(clientCertChoices('no client certificate configured', 'loading')).toContain('still loading');
    expect(clientCertChoices('no client certificate configured', 'missing')).toContain('could not be loaded');
  });
  it('a post-handshake request says so', () => {
    expect(clientCertChoices('post-handshake authentication: no client certificate configured', 'loaded')).toMatch(/^After the handshake \(post-handshake authentication\), the server asks/);
  });
  it('the recorded note reads as the choice made at the breakpoint', () => {
    expect(clientCertPauseNote('no client certificate configured')).toBe('No certificate was set to go out without asking ("ask me"): the choice between the lab\'s client certificate and none is made at this breakpoint.');
    expect(clientCertPauseNote('post-handshake authentication: no client certificate configured')).toMatch(/^Post-handshake authentication: no certificate was set/);
    expect(clientCertPauseNote('something else')).toBe('something else');
  });
});
