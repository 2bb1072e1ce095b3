// A command line parsed as node:util's parseArgs parses it (strict, positionals allowed), without loading it for the
// usual case. parseArgs's module loads on first use and its first call runs on cold code: together 1.3-2 ms of a
// connect's start (measured here), for a few known `--long` options. The command lines this handles itself are
// those whose reading is not in doubt: known `--name` / `--name=value` options and plain positionals. Everything
// else (short options, `--`, an unknown option, a value that starts with '-' or is missing, a boolean given a
// value) goes to parseArgs itself, so its errors and their words stay the same (test/cli/args.test.ts compares both).
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Config = ParseArgsConfig & { allowPositionals: true; options: NonNullable<ParseArgsConfig['options']> };

/** parseArgs({ args, allowPositionals: true, options })'s result, reached without parseArgs when the line is plain. */
export function parseCommandLine<T extends Config>(config: T): ReturnType<typeof parseArgs<T>> {
  return plainLine(config) ?? parseArgs(config);
}

/** The result for a plain line (see above), or null to leave the line to parseArgs. */
function plainLine<T extends Config>({ args = [], options, strict }: T): ReturnType<typeof parseArgs<T>> | null {
  if (strict === false) return null;
  const values: Record<string, string | boolean> = Object.create(null);
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith('--') || arg.length === 2) return null; // short options, '-', '--'
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const option = Object.hasOwn(options, name) ? options[name] : undefined;
    if (!option || option.multiple || option.default !== undefined) return null;
    if (option.type === 'boolean') {
      if (eq >= 0) return null; // parseArgs: "does not take an argument"
      values[name] = true;
    } else if (eq >= 0) {
      values[name] = arg.slice(eq + 1);
    } else {
      const next = args[i + 1];
      if (next === undefined || next.startsWith('-')) return null; // missing, or ambiguous to parseArgs
      values[name] = next;
      i++;
    }
  }
  return { values, positionals } as unknown as ReturnType<typeof parseArgs<T>>;
}
