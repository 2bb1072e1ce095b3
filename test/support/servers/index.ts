// Real Debian servers for tests (and the lab): each starts on a free 127.0.0.1 port in its own temp dir.
// A port is picked before the server binds it (these daemons cannot report a port the OS chose), so another
// socket on a busy machine can take it in between: each start is tried again, on a new port and a new dir.
import { startPostfix as postfix } from './postfix.ts';
import { startDovecot as dovecot } from './dovecot.ts';
import { startPostgres as postgres } from './postgres.ts';
import { startSlapd as slapd } from './slapd.ts';
import { startVsftpd as vsftpd } from './vsftpd.ts';
import { startProsody as prosody } from './prosody.ts';
import { startMariadb as mariadb } from './mariadb.ts';

function retried<A extends unknown[], R>(start: (...args: A) => Promise<R>, attempts = 3): (...args: A) => Promise<R> {
  return async (...args: A) => {
    for (let i = 1; ; i++) {
      try {
        return await start(...args);
      } catch (e) {
        // Each failed start has already stopped its process and removed its dir.
        if (i >= attempts) throw e;
      }
    }
  };
}

export const startPostfix = retried(postfix);
export const startDovecot = retried(dovecot);
export const startPostgres = retried(postgres);
export const startSlapd = retried(slapd);
export const startVsftpd = retried(vsftpd);
export const startProsody = retried(prosody);
export const startMariadb = retried(mariadb);
export { managesieveInstalled, type RunningDovecot } from './dovecot.ts';
export type { RunningServer, TlsFiles } from '../process.ts';
