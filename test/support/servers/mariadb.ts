// MariaDB from Debian: mariadb-install-db into a temp dir, then mariadbd in the foreground as the mysql account.
import fs from 'node:fs';
import path from 'node:path';
import { freePort, waitForPort } from '../net.ts';
import { account, chownR, copyTls, runOrThrow, spawnLogged, superviseServer, tempDir, type RunningServer, type TlsFiles } from '../process.ts';

/** `ssl: false` starts a server whose greeting lacks CLIENT_SSL. */
export async function startMariadb(tls: TlsFiles, options: { ssl?: boolean } = {}): Promise<RunningServer> {
  const dir = tempDir('mariadb');
  const port = await freePort();
  const mysql = account('mysql');
  const { tlsCert, tlsKey } = copyTls(tls, dir, mysql);
  const data = path.join(dir, 'data');
  fs.mkdirSync(data);
  chownR(dir, mysql);
  // install-db creates root@localhost; 127.0.0.1 resolves to localhost, so the server sends its handshake.
  runOrThrow('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--user=mysql', '--skip-test-db', '--auth-root-authentication-method=normal']);
  const args = [
    '--no-defaults', `--datadir=${data}`, '--user=mysql', `--socket=${dir}/mysql.sock`, `--pid-file=${dir}/mysqld.pid`,
    `--port=${port}`, '--bind-address=127.0.0.1', '--innodb-buffer-pool-size=16M', '--skip-log-bin',
  ];
  if (options.ssl === false) args.push('--skip-ssl');
  else args.push(`--ssl-cert=${tlsCert}`, `--ssl-key=${tlsKey}`);
  const child = spawnLogged('mariadbd', dir, 'mariadbd', args);
  const stop = await superviseServer({
    name: 'mariadbd',
    dir,
    process: child,
    logs: [path.join(dir, 'mariadbd.out')],
    ready: () => waitForPort(port, 30_000),
  });
  return { port, dir, stop };
}
