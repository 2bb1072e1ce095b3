// How every CLI command reports bad input: one error type with a stable code and exit status, printed as a
// line on stderr and, with --json, as `{ ok: false, error: { code, message } }` on stdout.
import { readFileSync } from 'node:fs';
import { stdout } from './stdout.ts';
import { terminalSafeLines } from '../util/terminal-safe.ts';

/** Exit statuses shared by every command (connect adds 3 and 4 for its own outcomes). */
export const EXIT = {
  ok: 0,
  /** The command ran and the answer is "no": TLS failure, invalid chain, unreadable limbo suite. */
  failed: 1,
  /** Bad usage or unreadable input: nothing was tried. */
  usage: 2,
} as const;

export type CliErrorCode =
  | 'UNKNOWN_COMMAND'
  | 'UNKNOWN_OPTION'
  | 'MISSING_ARGUMENT'
  | 'BAD_OPTION_VALUE'
  | 'UNREADABLE_FILE'
  | 'UNWRITABLE_FILE'
  | 'BAD_CERTIFICATE_INPUT'
  | 'BAD_KEY_INPUT'
  | 'BAD_INPUT'
  | 'INTERNAL_ERROR';

export class CliError extends Error {
  constructor(
    readonly code: CliErrorCode,
    message: string,
    readonly exitStatus: number = EXIT.usage,
    /** Print the command's usage after the message (text mode only). */
    readonly showUsage = false,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** True when the arguments ask for JSON; looked at before (and whether or not) the rest parses. */
export function wantsJson(args: readonly string[]): boolean {
  return args.includes('--json');
}

/** Node's parseArgs errors (unknown option, option without its value) as CliErrors. */
export function fromParseArgsError(e: unknown): CliError {
  const err = e as { code?: string; message?: string };
  const message = err.message ?? String(e);
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new CliError('UNKNOWN_OPTION', message, EXIT.usage, true);
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return new CliError('MISSING_ARGUMENT', message, EXIT.usage, true);
  return new CliError('BAD_OPTION_VALUE', message, EXIT.usage, true);
}

/** A file read for a command, with the reason in plain words when it cannot be read. */
export function readInputFile(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new CliError('UNREADABLE_FILE', `cannot read ${what} file "${file}": ${fileReason(e)}`);
  }
}

/** "no such file", "permission denied", ... for a failed file operation. */
export function fileReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'ENOTDIR') return 'a part of the path is a file, not a directory';
  if (code === 'EEXIST') return 'a file of that name is in the way (not a directory)';
  if (code === 'EROFS') return 'the file system is read-only';
  if (code === 'ENOSPC') return 'no space left on the device';
  return (e as Error).message;
}

/**
 * Report `e` and return its exit status. The plain line always goes to stderr (for the person at the terminal, as
 * connect's own failures do); with --json the error object goes to stdout too, so a script reads one stream.
 */
export function reportCliError(command: string, e: unknown, json: boolean, usage?: string, options: { jsonLines?: boolean } = {}): number {
  const err = e instanceof CliError ? e : new CliError('INTERNAL_ERROR', `unexpected failure: ${(e as Error)?.message ?? String(e)}`, EXIT.failed);
  // jsonLines: a command whose --json output is one JSON object a line (serve) answers in one line too.
  if (json) stdout().write(JSON.stringify({ ok: false, error: { code: err.code, message: err.message } }, null, options.jsonLines ? undefined : 2) + '\n');
  // The message may quote a file's or a peer's text: written so it cannot drive the terminal.
  process.stderr.write(`${command}: ${terminalSafeLines(err.message)}\n`);
  if (!json && err.showUsage && usage) process.stderr.write(`\n${usage}`);
  return err.exitStatus;
}
