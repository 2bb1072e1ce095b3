// npm start's options for the Clients view's serve listener: defaults < config file < environment < command line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';

describe('the serve listener options', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cfg-clients-'));

  it('listens on 127.0.0.1:5443 by default, with its throwaway CA beside the lab PKI', () => {
    expect(loadConfig([], {}, dir).clients).toEqual({ port: 5443, host: '127.0.0.1', pkiDir: path.join(dir, '.lab', 'serve-pki') });
  });

  it('takes the file, then the environment, then the command line', () => {
    writeFileSync(path.join(dir, 'tls-lens.config.json'), JSON.stringify({ serve: { port: 6000, host: '::1' } }));
    expect(loadConfig([], {}, dir).clients).toMatchObject({ port: 6000, host: '::1' });
    const env = { TLS_LENS_SERVE_PORT: '6001', TLS_LENS_SERVE_HOST: '0.0.0.0' };
    expect(loadConfig([], env, dir).clients).toMatchObject({ port: 6001, host: '0.0.0.0' });
    expect(loadConfig(['--serve-port', '0', '--serve-host', '127.0.0.2'], env, dir).clients).toMatchObject({ port: 0, host: '127.0.0.2' });
    expect(loadConfig(['--no-serve'], env, dir).clients).toBeUndefined();
    writeFileSync(path.join(dir, 'tls-lens.config.json'), JSON.stringify({ serve: { enabled: false } }));
    expect(loadConfig([], {}, dir).clients).toBeUndefined();
  });

  it('refuses a bad port and a missing value', () => {
    expect(() => loadConfig(['--serve-port', '70000'], {}, dir)).toThrow(/"70000" is not a port number/);
    expect(() => loadConfig(['--serve-host'], {}, dir)).toThrow(/--serve-host needs a value/);
  });
});
