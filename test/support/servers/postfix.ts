// Postfix (SMTP) from Debian, in its own config dir: chroot off, queue and data dirs in a temp dir, log to a file.
import fs from 'node:fs';
import path from 'node:path';
import { freePort, waitForPort } from '../net.ts';
import { account, copyTls, runOrThrow, superviseServer, tempDir, type RunningServer, type TlsFiles } from '../process.ts';

export async function startPostfix(tls: TlsFiles, options: { extraMainCf?: string[] } = {}): Promise<RunningServer> {
  const dir = tempDir('postfix');
  const port = await freePort();
  const etc = path.join(dir, 'etc');
  for (const d of ['etc', 'queue', 'data']) fs.mkdirSync(path.join(dir, d));
  const postfixUser = account('postfix');
  fs.chownSync(path.join(dir, 'data'), postfixUser.uid, postfixUser.gid);
  const { tlsCert, tlsKey } = copyTls(tls, dir);
  const maillog = path.join(dir, 'maillog');
  fs.writeFileSync(
    path.join(etc, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${dir}/queue`,
      `data_directory = ${dir}/data`,
      'myhostname = lens-test.localdomain',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      `maillog_file_prefixes = ${dir}`,
      `maillog_file = ${maillog}`,
      `smtpd_tls_cert_file = ${tlsCert}`,
      `smtpd_tls_key_file = ${tlsKey}`,
      'smtpd_tls_security_level = may',
      'mydestination =',
      'alias_maps =',
      'alias_database =',
      ...(options.extraMainCf ?? []),
      '',
    ].join('\n'),
  );
  // Debian's master.cf with every service unchrooted and smtpd moved to our port.
  const master = fs
    .readFileSync('/etc/postfix/master.cf', 'utf8')
    .split('\n')
    .map((line) => {
      const f = line.split(/\s+/);
      if (f[0] === 'smtp' && f[1] === 'inet') return `127.0.0.1:${port} inet n - n - - smtpd`;
      if (/^[a-z]/.test(line) && f.length >= 8 && /^(unix|inet|fifo|pass|unix-dgram)$/.test(f[1])) {
        f[4] = 'n';
        return f.join(' ');
      }
      return line;
    })
    .join('\n');
  fs.writeFileSync(path.join(etc, 'master.cf'), master);
  runOrThrow('postfix', ['-c', etc, 'start']);
  const stop = await superviseServer({
    name: 'postfix',
    dir,
    process: async () => void runOrThrow('postfix', ['-c', etc, 'abort']), // it runs detached
    logs: [maillog],
    ready: () => waitForPort(port),
  });
  return { port, dir, stop };
}
