// The engine runs unchanged in a browser Worker: its modules may use only WebCrypto and standard JavaScript.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../../src');
const CORE = ['tls/codec', 'tls/messages', 'tls/handshake13', 'tls/client.ts', 'tls/keylog.ts', 'tls/errors.ts', 'trace/explain.ts', 'transport/memory.ts'];

function files(rel: string): string[] {
  const full = path.join(ROOT, rel);
  if (fs.statSync(full).isFile()) return [full];
  return fs.readdirSync(full).flatMap((f) => files(path.join(rel, f))).filter((f) => f.endsWith('.ts'));
}

describe('portable engine core', () => {
  it('imports no Node modules and uses no Node globals', () => {
    const all = CORE.flatMap(files);
    expect(all.length).toBeGreaterThan(10);
    for (const f of all) {
      const text = fs.readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/from ['"]node:|require\(|\bBuffer\.|\bprocess\./);
      expect(text, f).not.toMatch(/from ['"]\.\.\/(\.\.\/)?transport\/tcp/);
    }
  });
});
