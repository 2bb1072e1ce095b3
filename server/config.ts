// Start-up configuration: defaults < config file < environment < command line.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ServerOptions } from './app.ts';
import { DEFAULT_PORT } from './app.ts';
import type { BridgeLimits } from './bridge/index.ts';
import { parseAllowEntry, unhonouredReason } from './bridge/allowlist.ts';
import { DEFAULT_SERVE_PORT } from './clients/listener.ts';

export const CONFIG_FILE = 'tls-lens.config.json';

/** The config file's shape (every field optional). */
export interface ConfigFile {
  port?: number;
  bridge?: {
    allow?: string[];
    allowPublicTlsPorts?: boolean;
    origins?: string[];
    token?: string;
    limits?: Partial<BridgeLimits>;
  };
  /** The serve listener of the Clients view. */
  serve?: { port?: number; host?: string; enabled?: boolean };
}

export const USAGE = `Usage: npm start -- [options]
  --port N              port on 127.0.0.1 (env TLS_LENS_PORT, default ${DEFAULT_PORT})
  --config FILE         JSON config (env TLS_LENS_CONFIG, default ./${CONFIG_FILE} if present)
  --allow HOST:PORT     allow a bridge target outside the lab; repeatable (env TLS_LENS_BRIDGE_ALLOW).
                        An exact loopback or private address with its port (127.0.0.1:8443) reaches your own
                        server; names and *.domain entries never reach loopback or private addresses
  --public-tls-ports    allow any public host on well-known TLS ports (env TLS_LENS_BRIDGE_PUBLIC_TLS=1)
  --origin URL          another page origin allowed to use the bridge; repeatable (env TLS_LENS_ORIGINS)
  --token SECRET        require ?token=SECRET on the bridge (env TLS_LENS_TOKEN)
  --no-lab              do not start the lab servers
  --serve-port N        port of the serve listener for the Clients view (env TLS_LENS_SERVE_PORT,
                        default ${DEFAULT_SERVE_PORT}; 0 = any free port)
  --serve-host ADDR     address it binds (env TLS_LENS_SERVE_HOST, default 127.0.0.1; e.g. 0.0.0.0 so a phone
                        on this network can connect: every machine that reaches it is listed)
  --no-serve            do not start the serve listener`;

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv, cwd: string): ServerOptions & { help?: boolean } {
  const args = [...argv];
  const take = (flag: string): string => {
    const v = args.shift();
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  const cli: { servePort?: number; serveHost?: string; noServe?: boolean; port?: number; config?: string; allow: string[]; origins: string[]; token?: string; publicTls?: boolean; noLab?: boolean; help?: boolean } = { allow: [], origins: [] };
  while (args.length) {
    const a = args.shift()!;
    if (a === '--port') cli.port = parsePort(take(a));
    else if (a === '--config') cli.config = take(a);
    else if (a === '--allow') cli.allow.push(take(a));
    else if (a === '--origin') cli.origins.push(take(a));
    else if (a === '--token') cli.token = take(a);
    else if (a === '--public-tls-ports') cli.publicTls = true;
    else if (a === '--no-lab') cli.noLab = true;
    else if (a === '--serve-port') cli.servePort = parsePort(take(a));
    else if (a === '--serve-host') cli.serveHost = take(a);
    else if (a === '--no-serve') cli.noServe = true;
    else if (a === '--help' || a === '-h') cli.help = true;
    else throw new Error(`unknown option ${a}\n${USAGE}`);
  }

  const configPath = cli.config ?? env.TLS_LENS_CONFIG ?? (existsSync(path.join(cwd, CONFIG_FILE)) ? CONFIG_FILE : undefined);
  let file: ConfigFile = {};
  if (configPath) {
    try {
      file = JSON.parse(readFileSync(path.resolve(cwd, configPath), 'utf8'));
    } catch (err) {
      throw new Error(`cannot read config ${configPath}: ${(err as Error).message}`);
    }
  }
  const list = (s: string | undefined) => (s ?? '').split(/[\s,]+/).filter(Boolean);
  const allow = [...(file.bridge?.allow ?? []), ...list(env.TLS_LENS_BRIDGE_ALLOW), ...cli.allow];
  // Fail at start-up, with the bad entry and the reason named, rather than refuse every session later.
  for (const raw of allow) {
    const reason = unhonouredReason(raw, parseAllowEntry(raw));
    if (reason) throw new Error(`the bridge will not honour allowlist entry ${reason}`);
  }
  const token = (cli.token ?? (env.TLS_LENS_TOKEN || undefined) ?? file.bridge?.token) || undefined; // "" means no token
  return {
    help: cli.help,
    port: cli.port ?? (env.TLS_LENS_PORT ? parsePort(env.TLS_LENS_PORT) : undefined) ?? file.port ?? DEFAULT_PORT,
    host: '127.0.0.1',
    distDir: path.join(cwd, 'dist'),
    lab: cli.noLab ? false : { pkiDir: path.join(cwd, '.lab', 'pki') },
    clients:
      cli.noServe || file.serve?.enabled === false
        ? undefined
        : {
            port: cli.servePort ?? (env.TLS_LENS_SERVE_PORT ? parsePort(env.TLS_LENS_SERVE_PORT) : undefined) ?? file.serve?.port ?? DEFAULT_SERVE_PORT,
            host: cli.serveHost ?? (env.TLS_LENS_SERVE_HOST || undefined) ?? file.serve?.host ?? '127.0.0.1',
            pkiDir: path.join(cwd, '.lab', 'serve-pki'),
          },
    bridge: {
      allow,
      allowPublicTlsPorts: cli.publicTls ?? (env.TLS_LENS_BRIDGE_PUBLIC_TLS ? env.TLS_LENS_BRIDGE_PUBLIC_TLS === '1' : undefined) ?? file.bridge?.allowPublicTlsPorts ?? false,
      origins: [...(file.bridge?.origins ?? []), ...list(env.TLS_LENS_ORIGINS), ...cli.origins],
      token,
      limits: file.bridge?.limits,
    },
  };
}

function parsePort(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`"${s}" is not a port number`);
  return n;
}
