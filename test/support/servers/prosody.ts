// Prosody (XMPP) from Debian: one virtual host "localhost", client port only, TLS required, in the foreground.
import fs from 'node:fs';
import path from 'node:path';
import { freePort, waitForPort } from '../net.ts';
import { account, chownR, copyTls, spawnLogged, superviseServer, tempDir, type RunningServer, type TlsFiles } from '../process.ts';

export async function startProsody(tls: TlsFiles, options: { domain?: string } = {}): Promise<RunningServer> {
  const dir = tempDir('prosody');
  const port = await freePort();
  const domain = options.domain ?? 'localhost';
  const { tlsCert, tlsKey } = copyTls(tls, dir);
  fs.mkdirSync(path.join(dir, 'data'));
  fs.mkdirSync(path.join(dir, 'certs'));
  chownR(dir, account('prosody'));
  const conf = path.join(dir, 'prosody.cfg.lua');
  fs.writeFileSync(
    conf,
    `pidfile = "${dir}/prosody.pid"
data_path = "${dir}/data"
certificates = "${dir}/certs"
log = { info = "${dir}/prosody.log"; error = "${dir}/prosody.err" }
interfaces = { "127.0.0.1" }
c2s_ports = { ${port} }
c2s_direct_tls_ports = {}
legacy_ssl_ports = {}
s2s_ports = {}
http_ports = {}
https_ports = {}
modules_enabled = { "saslauth"; "tls"; "disco"; "ping" }
modules_disabled = { "s2s"; "posix" }
c2s_require_encryption = true
authentication = "internal_hashed"
ssl = { certificate = "${tlsCert}"; key = "${tlsKey}" }
VirtualHost "${domain}"
`,
  );
  const child = spawnLogged('prosody', dir, 'prosody', ['--config', conf, '-F']);
  const stop = await superviseServer({ name: 'prosody', dir, process: child, logs: [path.join(dir, 'prosody.out'), path.join(dir, 'prosody.log')], ready: () => waitForPort(port) });
  return { port, dir, stop };
}
