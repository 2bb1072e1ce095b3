// For exporter tests against OpenSSL's command line: the keying material it prints (-keymatexport), and an
// OpenSSL config that turns the extended master secret off (OpenSSL 3.0's s_server and s_client have no flag for it).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Writes the config once per test file; `remove()` deletes it. */
export function noEmsConfig(): { file: () => string; remove: () => void } {
  let dir: string | null = null;
  return {
    file() {
      dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-noems-'));
      const file = path.join(dir, 'openssl.cnf');
      if (!fs.existsSync(file)) fs.writeFileSync(file, 'openssl_conf = init\n[init]\nssl_conf = ssl\n[ssl]\nsystem_default = sys\n[sys]\nOptions = -ExtendedMasterSecret\n');
      return file;
    },
    remove() {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Run `start` with OPENSSL_CONF set (a child process takes the environment when it is spawned). */
export async function withOpenSslConf<T>(conf: string | null, start: () => Promise<T>): Promise<T> {
  const before = process.env.OPENSSL_CONF;
  if (conf) process.env.OPENSSL_CONF = conf;
  try {
    return await start();
  } finally {
    if (before === undefined) delete process.env.OPENSSL_CONF;
    else process.env.OPENSSL_CONF = before;
  }
}

/** True once OpenSSL has printed its keying material. */
export const printedKeyingMaterial = (output: string): boolean => /Keying material: [0-9A-F]+\r?\n/.test(output);

/** The keying material OpenSSL printed (hex, lower case). */
export function opensslKeyingMaterial(output: string): string {
  const m = /Keying material: ([0-9A-F]+)/.exec(output);
  if (!m) throw new Error(`no keying material in the output:\n${output}`);
  return m[1].toLowerCase();
}

/** TLS 1.2 suites for comparing exported keys with OpenSSL's: each PRF hash, with the extended master secret and without. */
export const TLS12_EXPORTER_CASES = [
  { suite: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256', ems: true, prf: 'SHA-256' },
  { suite: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', openssl: 'ECDHE-ECDSA-AES256-GCM-SHA384', ems: true, prf: 'SHA-384' },
  { suite: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256', ems: false, prf: 'SHA-256' },
  { suite: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', openssl: 'ECDHE-ECDSA-AES256-GCM-SHA384', ems: false, prf: 'SHA-384' },
] as const;
