// `tls-lens connect --starttls`: the plaintext preamble, then the engine's handshake, against real Debian servers.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCert } from '../starttls/helpers.ts';
import { startDovecot, startPostfix, type RunningDovecot, type RunningServer } from '../support/servers/index.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const cert = testCert();
const caFile = cert.tlsCert;

function connect(args: string[]): Promise<{ code: number; json: any; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [BIN, 'connect', ...args, '--json'], { timeout: 60_000 }, (err, stdout, stderr) => {
      let json: unknown = null;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = { unparsable: stdout };
      }
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, json, stderr });
    });
  });
}

let postfix: RunningServer;
let dovecot: RunningDovecot;
beforeAll(async () => {
  [postfix, dovecot] = await Promise.all([startPostfix(cert), startDovecot(cert)]);
});
afterAll(async () => {
  await postfix?.stop();
  await dovecot?.stop();
  cert.cleanup();
});

describe('connect --starttls', () => {
  it('SMTP (Postfix): EHLO, STARTTLS, 220, a verified TLS handshake, EHLO again', async () => {
    const r = await connect([`127.0.0.1:${postfix.port}`, '--starttls', 'smtp', '--servername', 'localhost', '--ca', caFile]);
    expect(r.json.error).toBeNull();
    expect(r.code).toBe(0);
    expect(r.json.ok).toBe(true);
    expect(r.json.certificate.verified).toBe(true);
    const s = r.json.starttls;
    expect(s.protocol).toBe('smtp');
    expect(s.capabilitiesBefore).toContain('STARTTLS');
    expect(s.capabilitiesAfter.length).toBeGreaterThan(0);
    expect(s.capabilitiesAfter).not.toContain('STARTTLS');
    const client = s.transcript.filter((l: { direction: string }) => l.direction === 'client').map((l: { line: string }) => l.line);
    expect(client[0]).toMatch(/^EHLO /);
    expect(client).toContain('STARTTLS');
    expect(r.json.messages.map((m: { type: string }) => m.type)).toContain('Finished');
  });

  it('IMAP (Dovecot): CAPABILITY, STARTTLS, OK, TLS, CAPABILITY again', async () => {
    const r = await connect([`127.0.0.1:${dovecot.imapPort}`, '--starttls', 'imap', '--servername', 'localhost', '--ca', caFile]);
    expect(r.json.error).toBeNull();
    expect(r.json.ok).toBe(true);
    expect(r.json.starttls.capabilitiesBefore).toContain('STARTTLS');
    expect(r.json.starttls.capabilitiesAfter).not.toContain('STARTTLS');
  });

  it('STARTTLS to a server that does not speak the protocol fails in plain words, never in plaintext', async () => {
    // POP3 dialogue against the IMAP port: the greeting is not "+OK".
    const r = await connect([`127.0.0.1:${dovecot.imapPort}`, '--starttls', 'pop3', '--servername', 'localhost', '--ca', caFile, '--timeout', '5000']);
    expect(r.code).not.toBe(0);
    expect(r.json.ok).toBe(false);
    expect(r.json.error.code).toMatch(/PROTOCOL_ERROR|STARTTLS_NOT_OFFERED|STARTTLS_REFUSED|TIMEOUT/);
    expect(r.json.error.message.length).toBeGreaterThan(10);
    expect(r.json.messages).toEqual([]);
  });

  it('an unknown protocol is a usage error', async () => {
    const r = await connect([`127.0.0.1:${postfix.port}`, '--starttls', 'gopher']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown --starttls protocol 'gopher'/);
  });
});
