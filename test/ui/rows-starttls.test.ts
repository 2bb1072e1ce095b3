// Ladder rows for STARTTLS: a command the server never advertised is marked on its row (real smtp-server peers).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { SMTPServer } from 'smtp-server';
import { buildRows, NOT_ADVERTISED } from '../../src/ui/rows.ts';
import { startTlsEndToEnd, testCert } from '../starttls/helpers.ts';

const cert = testCert();
afterAll(() => cert.cleanup());
const servers: SMTPServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

async function smtpRows(hideSTARTTLS: boolean) {
  const s = new SMTPServer({ hideSTARTTLS, key: cert.keyPem, cert: cert.certPem, logger: false, disableReverseLookup: true });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = ((s as unknown as { server: net.Server }).server.address() as net.AddressInfo).port;
  const r = await startTlsEndToEnd('smtp', port, {}, cert.certPem);
  return buildRows(r.recorder.events).filter((row) => row.kind === 'preamble');
}

describe('STARTTLS rows', () => {
  it('marks the STARTTLS command the server did not advertise, and only that row', async () => {
    const rows = await smtpRows(true);
    const marked = rows.filter((r) => r.notAdvertised);
    expect(marked).toHaveLength(1);
    expect(marked[0]).toMatchObject({ side: 'client', label: `STARTTLS ${NOT_ADVERTISED}` });
    expect(rows.filter((r) => r.label.includes(NOT_ADVERTISED))).toHaveLength(1);
  });

  it('leaves an advertised STARTTLS command unmarked', async () => {
    const rows = await smtpRows(false);
    const command = rows.find((r) => r.side === 'client' && r.label.startsWith('STARTTLS'));
    expect(command).toMatchObject({ label: 'STARTTLS' });
    expect(command?.notAdvertised).toBeUndefined();
    expect(rows.some((r) => r.label.includes(NOT_ADVERTISED))).toBe(false);
  });
});
