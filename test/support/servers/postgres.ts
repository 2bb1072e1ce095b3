// PostgreSQL 15 from Debian: initdb in a temp dir as the postgres account, then postgres in the foreground.
import fs from 'node:fs';
import path from 'node:path';
import { freePort, waitForPort } from '../net.ts';
import { account, chownR, copyTls, runOrThrow, spawnLogged, stopChild, superviseServer, tempDir, type RunningServer, type TlsFiles } from '../process.ts';

function pgBin(name: string): string {
  const versions = fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  return `/usr/lib/postgresql/${versions[0]}/bin/${name}`;
}

/** `ssl: false` starts a server that answers N to SSLRequest. */
export async function startPostgres(tls: TlsFiles, options: { ssl?: boolean } = {}): Promise<RunningServer> {
  const dir = tempDir('postgres');
  const port = await freePort();
  const pg = account('postgres');
  const { tlsCert, tlsKey } = copyTls(tls, dir, pg);
  const data = path.join(dir, 'data');
  fs.mkdirSync(data);
  chownR(dir, pg);
  runOrThrow(pgBin('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'], { ...pg, cwd: dir });
  const args = ['-D', data, '-c', 'listen_addresses=127.0.0.1', '-p', String(port), '-k', dir, '-c', 'fsync=off'];
  if (options.ssl !== false) args.push('-c', 'ssl=on', '-c', `ssl_cert_file=${tlsCert}`, '-c', `ssl_key_file=${tlsKey}`);
  const child = spawnLogged('postgres', dir, pgBin('postgres'), args, pg);
  const stop = await superviseServer({
    name: 'postgres',
    dir,
    process: () => stopChild(child, 5000, 'SIGINT'), // fast shutdown: do not wait for clients
    logs: [path.join(dir, 'postgres.out')],
    ready: () => waitForPort(port),
  });
  return { port, dir, stop };
}
