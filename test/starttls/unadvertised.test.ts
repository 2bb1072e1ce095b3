// Real servers configured NOT to advertise STARTTLS: the user asked for STARTTLS, so the command is sent anyway (as
// `openssl s_client -starttls` does) and the trace records that it was not advertised (a typed fact on the command's
// event, plus a note). A server that accepts it (OpenLDAP with the OID hidden) gets TLS; only a refusal (Postfix with
// STARTTLS discarded, or without TLS) ends the session, with STARTTLS_REFUSED. Dovecot, vsftpd and Prosody always
// advertise when TLS is on, so they cannot be set up this way.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/trace/types.ts';
import { startPostfix, startSlapd, type RunningServer } from '../support/servers/index.ts';
import { STARTTLS_OID_FOR_TESTS } from './exports.ts';
import { expectStartTlsError, preambles, startTlsEndToEnd, startTlsWithEngine, testCert } from './helpers.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const cert = testCert();

let slapd: RunningServer;
let discarded: RunningServer;
let noTls: RunningServer;
beforeAll(async () => {
  [slapd, discarded, noTls] = await Promise.all([
    // OpenLDAP with TLS on, whose root DSE hides the StartTLS OID from every reader (but still answers StartTLS).
    startSlapd(cert, {
      extraConf: [
        `access to dn.base="" attrs=supportedExtension val/objectIdentifierMatch="${STARTTLS_OID_FOR_TESTS}" by * none`,
        'access to * by * read',
      ],
    }),
    // Postfix with TLS on but STARTTLS discarded from EHLO: Postfix then also answers the command 502.
    startPostfix(cert, { extraMainCf: ['smtpd_discard_ehlo_keywords = starttls'] }),
    // Postfix with no TLS at all.
    startPostfix(cert, { extraMainCf: ['smtpd_tls_security_level = none'] }),
  ]);
});
afterAll(async () => {
  await Promise.all([slapd?.stop(), discarded?.stop(), noTls?.stop()]);
  cert.cleanup();
});

function notAdvertisedNote(events: TraceEvent[]): string | undefined {
  return events.find((e): e is Extract<TraceEvent, { kind: 'note' }> => e.kind === 'note' && /sending the command anyway/.test(e.text))?.text;
}

function cli(args: string[]): Promise<{ code: number; json: any; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'connect', ...args, '--json'], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, json: JSON.parse(stdout), stderr });
    });
  });
}

describe('OpenLDAP whose root DSE does not list StartTLS (an access rule hides the OID)', () => {
  it('StartTLS is sent anyway, answered success, and TLS completes; the trace says it was not advertised', async () => {
    const r = await startTlsEndToEnd('ldap', slapd.port, {}, cert.certPem);
    expect(r.result.capabilitiesBefore.some((c) => c.startsWith('supportedExtension: '))).toBe(true);
    expect(r.result.capabilitiesBefore).not.toContain(`supportedExtension: ${STARTTLS_OID_FOR_TESTS}`);
    expect(r.result.advertised).toBe(false);
    const lines = preambles(r.recorder.events);
    const command = lines.findIndex((e) => e.direction === 'client' && /ExtendedRequest StartTLS/.test(e.text));
    expect(lines[command].advertised).toBe(false);
    // Only the StartTLS request carries the fact.
    expect(lines.filter((e) => e.advertised === false)).toHaveLength(1);
    expect(notAdvertisedNote(r.recorder.events)).toMatch(/^LDAP: the root DSE does not list the StartTLS extension .*: sending the command anyway, as openssl s_client -starttls does/);
    expect(r.tlsProtocol).toMatch(/^TLSv1\.[23]$/);
  });

  it('with the project\'s engine: no error, a finished handshake', async () => {
    const r = await startTlsWithEngine('ldap', slapd.port);
    expect(r.recorder.events.some((e) => e.kind === 'error')).toBe(false);
    expect(r.recorder.events.some((e) => e.kind === 'handshake' && e.name === 'Finished' && e.direction === 'server')).toBe(true);
    expect(r.result.advertised).toBe(false);
  });

  it('connect --starttls ldap --json: a verified connection, starttls.advertised false', async () => {
    const r = await cli([`127.0.0.1:${slapd.port}`, '--starttls', 'ldap', '--servername', 'localhost', '--ca', cert.tlsCert]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ ok: true, error: null, starttls: { protocol: 'ldap', advertised: false } });
  });
});

describe('Postfix: not advertised and refused', () => {
  it.each([
    ['STARTTLS discarded from EHLO', () => discarded.port],
    ['no TLS at all', () => noTls.port],
  ])('%s: STARTTLS is sent anyway; the refusal is STARTTLS_REFUSED with its reply, no plaintext fallback', async (_what, port) => {
    const { error, recorder } = await expectStartTlsError('smtp', port());
    expect(error.code).toBe('STARTTLS_REFUSED');
    expect(error.message).toMatch(/^SMTP: STARTTLS refused: [45]\d\d /);
    expect(notAdvertisedNote(recorder.events)).toMatch(/^SMTP: the server does not offer STARTTLS in its EHLO reply: sending the command anyway/);
    const lines = preambles(recorder.events);
    expect(lines.at(-2)).toMatchObject({ direction: 'client', text: 'STARTTLS', advertised: false });
    expect(lines.at(-1)!.direction).toBe('server');
    expect(recorder.events.some((e) => e.kind === 'record')).toBe(false);
  });

  it('connect --starttls smtp --json: exit 1, STARTTLS_REFUSED, no handshake message', async () => {
    const r = await cli([`127.0.0.1:${discarded.port}`, '--starttls', 'smtp', '--servername', 'localhost', '--ca', cert.tlsCert]);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ ok: false, error: { code: 'STARTTLS_REFUSED' }, starttls: { advertised: false }, messages: [] });
  });
});
