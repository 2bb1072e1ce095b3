// The SMTP STARTTLS scenario: a real SMTP server (the smtp-server library) with the good lab chain.
import { SMTPServer } from 'smtp-server';
import type { LabPki } from './pki.ts';
import { LAB_HOST } from './pki.ts';
import { LAB_USER } from './scenarios.ts';
import type { RunningServer } from './running-server.ts';

export async function startSmtpScenario(pki: LabPki, address: string): Promise<RunningServer> {
  const server = new SMTPServer({
    name: LAB_HOST,
    banner: 'TLS Lens lab SMTP server; try EHLO then STARTTLS',
    secure: false,
    key: pki.leaves.good.key,
    cert: pki.leaves.good.cert + pki.intermediate.cert,
    minVersion: 'TLSv1.2',
    logger: false,
    // AUTH PLAIN/LOGIN are offered only once the connection is encrypted.
    allowInsecureAuth: false,
    authOptional: true,
    authMethods: ['PLAIN', 'LOGIN'],
    size: 64 * 1024,
    closeTimeout: 300,
    onAuth(auth, _session, callback) {
      if (auth.username === LAB_USER.user && auth.password === LAB_USER.password) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password (the lab login is student / tls-lens)'));
    },
    onData(stream, _session, callback) {
      // Accept and discard: nothing is delivered anywhere.
      stream.resume();
      stream.on('end', () => callback());
    },
  } as ConstructorParameters<typeof SMTPServer>[0]);
  server.on('error', () => {});
  const port = await new Promise<number>((resolve, reject) => {
    const net = (server as unknown as { server: import('node:net').Server }).server;
    net.once('error', reject);
    server.listen(0, address, () => resolve((net.address() as import('node:net').AddressInfo).port));
  });
  return {
    port,
    // The library sends "421 Server shutting down" to open sessions after closeTimeout.
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
