// Text output of the commands that walk a trace (connect, decode, pcap, serve): names and messages that came from a
// peer or a file are printed with their control characters escaped, so that a hostile server name cannot retitle
// the window, clear the screen or print over the walk. Colours of our own stay when colouring.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderEvent } from '../../src/cli/render.ts';

const BIN = path.resolve(__dirname, '../../bin/tls-lens.js');
const HOSTILE = 'a\x1b]0;pwned\x07\x1b[2J.example';

function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }));
  });
}

describe('text output and hostile names', () => {
  it('tls-lens connect --replay: a saved trace whose target and notes carry escape sequences prints them escaped', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tls-lens-terminal-'));
    try {
      const file = path.join(dir, 'hostile-trace.json');
      const events = [{ kind: 'note', text: `the client asked for ${HOSTILE}`, index: 0, t: 0, conn: 0 }];
      writeFileSync(file, JSON.stringify({ format: 'tls-lens-trace', version: 1, createdAt: '2026-01-01T00:00:00.000Z', target: `${HOSTILE}:443`, events }));
      const r = await cli(['connect', '--replay', file]);
      expect(r.stdout).toContain('replaying a\\u001b]0;pwned');
      expect(r.stdout).toContain('the client asked for a\\u001b]0;pwned\\u0007\\u001b[2J.example');
      expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renderEvent keeps its own colours and escapes every other escape sequence', () => {
    const plain = renderEvent({ kind: 'note', text: `the client asked for ${HOSTILE}` } as never, { color: false });
    expect(plain).toEqual(['  · the client asked for a\\u001b]0;pwned\\u0007\\u001b[2J.example']);
    const coloured = renderEvent({ kind: 'note', text: `x\x1b[31my` } as never, { color: true });
    // Our dim colour around the line stays; the note's own colour sequence is kept too (colours only), nothing else.
    expect(coloured).toEqual(['\x1b[2m  · x\x1b[31my\x1b[0m']);
    const erase = renderEvent({ kind: 'note', text: `x\x1b[2Ky` } as never, { color: true });
    expect(erase).toEqual(['\x1b[2m  · x\\u001b[2Ky\x1b[0m']);
  });
});
