// Real Debian servers for tests (and the lab): each starts on a free 127.0.0.1 port in its own temp dir.
export { startPostfix } from './postfix.ts';
export { startDovecot, managesieveInstalled, type RunningDovecot } from './dovecot.ts';
export { startPostgres } from './postgres.ts';
export { startSlapd } from './slapd.ts';
export { startVsftpd } from './vsftpd.ts';
export { startProsody } from './prosody.ts';
export { startMariadb } from './mariadb.ts';
export type { RunningServer, TlsFiles } from '../process.ts';
