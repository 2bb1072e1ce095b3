// Dovecot (IMAP, POP3, ManageSieve) from Debian, in the foreground with its own config and base dir.
import fs from 'node:fs';
import path from 'node:path';
import { freePort, waitForPort } from '../net.ts';
import { copyTls, spawnLogged, superviseServer, tempDir, type TlsFiles } from '../process.ts';

export interface RunningDovecot {
  imapPort: number;
  pop3Port: number;
  /** 0 when dovecot-managesieved is not installed. */
  sievePort: number;
  dir: string;
  stop(): Promise<void>;
}

export function managesieveInstalled(): boolean {
  return fs.existsSync('/usr/lib/dovecot/managesieve-login');
}

export async function startDovecot(tls: TlsFiles): Promise<RunningDovecot> {
  const dir = tempDir('dovecot');
  const [imapPort, pop3Port] = [await freePort(), await freePort()];
  const sievePort = managesieveInstalled() ? await freePort() : 0;
  for (const d of ['run', 'state', 'home']) fs.mkdirSync(path.join(dir, d));
  const { tlsCert, tlsKey } = copyTls(tls, dir);
  const conf = path.join(dir, 'dovecot.conf');
  const log = path.join(dir, 'dovecot.log');
  fs.writeFileSync(
    conf,
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${log}
protocols = imap pop3${sievePort ? ' sieve' : ''}
listen = 127.0.0.1
ssl = yes
ssl_cert = <${tlsCert}
ssl_key = <${tlsKey}
auth_mechanisms = plain
default_internal_user = dovecot
default_login_user = dovenull
mail_location = maildir:${dir}/home/%u
passdb {
  driver = static
  args = password=not-used
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=${dir}/home/%u
}
service imap-login {
  inet_listener imap {
    port = ${imapPort}
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = ${pop3Port}
  }
  inet_listener pop3s {
    port = 0
  }
}
${sievePort ? `service managesieve-login {\n  inet_listener sieve {\n    port = ${sievePort}\n  }\n}\n` : ''}`,
  );
  const child = spawnLogged('dovecot', dir, 'dovecot', ['-F', '-c', conf]);
  const stop = await superviseServer({
    name: 'dovecot',
    dir,
    process: child,
    logs: [log, path.join(dir, 'dovecot.out')],
    ready: async () => {
      await waitForPort(imapPort);
      await waitForPort(pop3Port);
      if (sievePort) await waitForPort(sievePort);
    },
  });
  return { imapPort, pop3Port, sievePort, dir, stop };
}
