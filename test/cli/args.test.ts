// parseCommandLine (src/cli/args.ts) gives exactly what node:util's parseArgs gives, values, positionals and errors
// alike, for the lines it reads itself and for those it hands to parseArgs; and it reads the usual connect line
// without parseArgs (checked by making parseArgs unreachable for that call).
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/args.ts';

const OPTIONS = {
  servername: { type: 'string' },
  ca: { type: 'string' },
  alpn: { type: 'string' },
  json: { type: 'boolean' },
  'tls1.2': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const LINES: string[][] = [
  [],
  ['127.0.0.1:4433'],
  ['127.0.0.1:4433', '--servername', 'localhost', '--ca', '/tmp/root.pem', '--json'],
  ['--json', 'example.com:443', '--alpn=h2,http/1.1', '--tls1.2'],
  ['a:1', 'b:2', '--servername='],
  ['a:1', '--servername', ''],
  ['a:1', '--ca', 'x', '--ca', 'y'],
  ['a:1', '--json', '--json'],
  // Handed to parseArgs:
  ['-h'],
  ['a:1', '-h', '--json'],
  ['a:1', '--', '--json'],
  ['a:1', '-'],
  ['a:1', '--nope'],
  ['a:1', '--nope=1'],
  ['a:1', '--ca'],
  ['a:1', '--ca', '--json'],
  ['a:1', '--ca', '-x'],
  ['a:1', '--json=yes'],
  ['a:1', '-x'],
  ['a:1', '--__proto__', 'x'],
  ['a:1', '--toString'],
  ['a:1', '-1'],
];

/** The outcome of a parse: its result, or the error's code and message. */
function outcome(parse: () => unknown) {
  try {
    const { values, positionals } = parse() as { values: object; positionals: string[] };
    return { values: { ...values }, prototype: Object.getPrototypeOf(values), positionals };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { code: err.code, message: err.message };
  }
}

describe('parseCommandLine', () => {
  for (const args of LINES) {
    it(`reads ${JSON.stringify(args)} as parseArgs does`, () => {
      const config = { args, allowPositionals: true as const, options: OPTIONS };
      expect(outcome(() => parseCommandLine(config))).toEqual(outcome(() => parseArgs(config)));
    });
  }

  it('reads a plain connect line itself (parseArgs is never reached)', () => {
    // An option table parseArgs rejects outright: only the plain reading can produce a result from it.
    const options = { ca: { type: 'string' }, json: { type: 'boolean' }, bad: { type: 'number' } } as unknown as typeof OPTIONS;
    const args = ['host:1', '--ca', 'root.pem', '--json'];
    expect(() => parseArgs({ args, allowPositionals: true, options })).toThrow();
    const { values, positionals } = parseCommandLine({ args, allowPositionals: true, options });
    expect({ ...values }).toEqual({ ca: 'root.pem', json: true });
    expect(positionals).toEqual(['host:1']);
  });
});
