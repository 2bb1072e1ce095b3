// For interop tests that decrypt a real connection afterwards: a self-signed P-256 server certificate, and a
// TCP relay between a real client and server that records every chunk going each way.
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';

/** Writes dir/cert.pem and dir/key.pem: a self-signed P-256 certificate for localhost, valid two days. */
export function makeSelfSignedP256(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  return { cert, key };
}

/** Listens on 127.0.0.1 and forwards each connection to serverPort, pushing the chunks into the arrays given. */
export async function startRecordingRelay(serverPort: number, record: { toServer?: Uint8Array[]; toClient?: Uint8Array[] }): Promise<{ port: number; relay: net.Server }> {
  const relay = net.createServer((inbound) => {
    const outbound = net.connect(serverPort, '127.0.0.1');
    inbound.on('data', (d) => {
      record.toServer?.push(Uint8Array.from(d));
      outbound.write(d);
    });
    outbound.on('data', (d) => {
      record.toClient?.push(Uint8Array.from(d));
      inbound.write(d);
    });
    inbound.on('end', () => outbound.end());
    outbound.on('end', () => inbound.end());
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  return { port: (relay.address() as net.AddressInfo).port, relay };
}
