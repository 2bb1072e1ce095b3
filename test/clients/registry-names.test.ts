// Real clients' ClientHellos name every cipher suite, group and signature scheme they offer, also those the engine
// does not run (OpenSSL's CCM and DHE-PSK suites, GnuTLS's ffdhe4096-8192, the SHA-224 and DSA pairs of TLS 1.2):
// the field tree says "unknown" only for code points no registry names.
import { describe, expect, it, vi } from 'vitest';
import { decodePasted } from '../../src/capture/pasted.ts';
import { groupName, schemeName } from '../../src/tls/messages/constants.ts';
import { describeSuite } from '../../src/tls/suites.ts';
import type { FieldNode } from '../../src/trace/types.ts';
import { recordClientHello } from '../server/support/real-hellos.ts';

vi.setConfig({ testTimeout: 60_000 });

const LISTS = new Set(['cipher_suites', 'named_group_list', 'supported_signature_algorithms']);

/** The values of every item of the three lists in a ClientHello's field tree. */
function listedValues(fields: FieldNode[], inList = false, out: string[] = []): string[] {
  for (const f of fields) {
    if (inList && f.value !== undefined && !f.children) out.push(f.value);
    if (f.children) listedValues(f.children, inList || LISTS.has(f.name), out);
  }
  return out;
}

async function offeredNames(record: Uint8Array): Promise<string[]> {
  const decoded = await decodePasted(record);
  const hello = decoded.events.find((e) => e.kind === 'handshake' && e.name === 'ClientHello');
  if (!hello || hello.kind !== 'handshake') throw new Error('no ClientHello decoded');
  return listedValues(hello.fields);
}

const CLIENTS: [string, string, (port: number) => string[]][] = [
  ['openssl s_client, defaults', 'openssl', (port) => ['s_client', '-connect', `127.0.0.1:${port}`, '-groups', 'X25519:P-256:ffdhe2048:ffdhe4096:ffdhe6144:ffdhe8192']],
  ['openssl s_client, every suite it has', 'openssl', (port) => ['s_client', '-connect', `127.0.0.1:${port}`, '-cipher', 'ALL:@SECLEVEL=0']],
  ['gnutls-cli, with CCM, PSK and CBC suites', 'gnutls-cli', (port) => ['--insecure', '--priority', 'NORMAL:+AES-128-CCM:+AES-256-CCM:+PSK:+DHE-PSK:+ECDHE-PSK:+RSA-PSK:+CAMELLIA-128-GCM:+3DES-CBC', '-p', String(port), '127.0.0.1']],
  ['curl', 'curl', (port) => ['-sk', `https://127.0.0.1:${port}/`]],
];

describe('names of what real clients offer', () => {
  it.each(CLIENTS)('%s: every suite, group and scheme has a name', async (_name, command, args) => {
    const names = await offeredNames(await recordClientHello(command, args));
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((n) => n.startsWith('unknown'))).toEqual([]);
  });

  it('names from the registries and RFC 5246 pairs; unregistered code points stay unknown', () => {
    expect(describeSuite(0x003d)).toBe('TLS_RSA_WITH_AES_256_CBC_SHA256 (0x003d)');
    expect(describeSuite(0x1304)).toBe('TLS_AES_128_CCM_SHA256 (0x1304)');
    expect(groupName(0x0102)).toBe('ffdhe4096 (0x0102)');
    expect(schemeName(0x0303)).toBe('ecdsa_sha224 (TLS 1.2 pair)');
    expect(schemeName(0x0402)).toBe('dsa_sha256 (TLS 1.2 pair)');
    expect(describeSuite(0x0a1a)).toBe('unknown (0x0a1a)');
    expect(schemeName(0x0707)).toBe('unknown (0x0707)');
    expect(groupName(0x0777)).toBe('unknown (0x0777)');
  });
});
