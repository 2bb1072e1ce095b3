// The Compare view's differences in plain words when one trace lacks an event the other has (no application data,
// no Finished from the server, nothing encrypted): each sentence says so, never "leaves after never" or "the none".
import { describe, expect, it } from 'vitest';
import { differences, type HandshakeSummary, type WireItem } from '../../src/ui/compare/model.ts';

const data = (side: 'client' | 'server', flight: number): WireItem => ({ side, role: 'application data', label: 'Application data', epoch: 'application', bytes: 20, count: 1, flight, event: 9 });

/** A TLS 1.3 handshake and a request and answer, as the summary of a trace gives it. */
function complete(): HandshakeSummary {
  return {
    name: 'a',
    conn: 0,
    connections: [0],
    version: 'TLS 1.3',
    cipherSuite: 'TLS_AES_128_GCM_SHA256',
    group: 'x25519',
    resumed: false,
    helloRetry: false,
    extensionsOffered: ['supported_versions', 'key_share'],
    extensionsAccepted: ['supported_versions', 'key_share'],
    certificates: { count: 1, subjects: ['CN=lab'], encrypted: true },
    handshakeMessages: ['client ClientHello', 'server ServerHello', 'server Finished', 'client Finished'],
    items: [data('client', 3), data('server', 4)],
    flights: [],
    roundTrips: { handshake: 1, clientData: 1, serverData: 1 },
    flightsBefore: { clientData: 2, serverData: 3 },
    handshakeBytes: 900,
    firstEncrypted: { side: 'server', label: 'EncryptedExtensions' },
  };
}

/** Refused after the ServerHello: no Finished from the server, no application data, nothing encrypted. */
function refused(): HandshakeSummary {
  return {
    ...complete(),
    name: 'b',
    handshakeMessages: ['client ClientHello', 'server ServerHello'],
    items: [],
    roundTrips: { handshake: null, clientData: null, serverData: null },
    flightsBefore: { clientData: null, serverData: null },
    handshakeBytes: 300,
    firstEncrypted: undefined,
    failure: 'fatal alert handshake_failure from the server',
  };
}

const byTopic = (a: HandshakeSummary, b: HandshakeSummary) => Object.fromEntries(differences(a, b).map((d) => [d.topic, d.text]));

describe('differences when one side lacks the event', () => {
  it('A has it, B never does', () => {
    const t = byTopic(complete(), refused());
    expect(t['Handshake round trips']).toBe("In A the client holds the server's Finished after 1 round trip; in B no Finished from the server reaches the client.");
    expect(t['Client data after']).toBe("In A the client's first application data leaves after 1 round trip; in B the client sends no application data.");
    expect(t['Server data after']).toBe("In A the server's first application data reaches the client after 1 round trip; in B the server sends no application data.");
    expect(t['Handshake bytes']).toBe('A puts 900 bytes on the wire before the first application data; B puts 300 bytes on the wire in all, none of it application data.');
    expect(t['First encrypted message']).toBe('Encryption starts with the server EncryptedExtensions in A; no handshake message is encrypted in B.');
  });

  it('A never does, B has it', () => {
    const t = byTopic(refused(), complete());
    expect(t['Handshake round trips']).toBe("In A no Finished from the server reaches the client; in B the client holds the server's Finished after 1 round trip.");
    expect(t['Client data after']).toBe("In A the client sends no application data; in B the client's first application data leaves after 1 round trip.");
    expect(t['Server data after']).toBe("In A the server sends no application data; in B the server's first application data reaches the client after 1 round trip.");
    expect(t['First encrypted message']).toBe('No handshake message is encrypted in A; encryption starts with the server EncryptedExtensions in B.');
  });

  it('only the server never answers with data', () => {
    const b = { ...complete(), items: [data('client', 3)], roundTrips: { handshake: 1, clientData: 1, serverData: null } };
    const t = byTopic(complete(), b);
    expect(t['Client data after']).toBeUndefined();
    expect(t['Server data after']).toBe("In A the server's first application data reaches the client after 1 round trip; in B the server sends no application data.");
  });

  it('no sentence puts a missing event where a time or a message goes', () => {
    for (const [a, b] of [
      [complete(), refused()],
      [refused(), complete()],
    ]) {
      for (const d of differences(a, b)) expect(d.text, d.topic).not.toMatch(/after never|never in [AB]|with the none|the none in|\bnone in [AB]\b.*encrypt/);
    }
  });

  it('both sides have it: the sentences as before', () => {
    const b = { ...complete(), roundTrips: { handshake: 2, clientData: 2, serverData: 1 }, handshakeBytes: 1200, firstEncrypted: { side: 'client' as const, label: 'Finished' } };
    const t = byTopic(complete(), b);
    expect(t['Handshake round trips']).toBe("The client holds the server's Finished after 1 round trip in A, 2 round trips in B.");
    expect(t['Client data after']).toBe("The client's first application data leaves after 1 round trip in A, 2 round trips in B.");
    expect(t['Handshake bytes']).toBe('Before any application data, A puts 900 bytes on the wire, B 1200.');
    expect(t['First encrypted message']).toBe('Encryption starts with the server EncryptedExtensions in A and with the client Finished in B.');
  });
});
