// Whole outputs (a usage, a JSON result) written to standard output with writeSync on its descriptor: creating
// process.stdout costs a start its stream modules and, on a pipe, a socket, more than the write itself.
import { writeSync } from 'node:fs';

/**
 * `text` on stdout, all of it before returning. The stream is the fallback when the descriptor would block (a
 * non-blocking pipe that is full); a reader that went away (EPIPE) loses the rest, as it would with the stream.
 * Only for output nothing else wrote to process.stdout before (its buffered bytes would come after).
 */
export function writeStdout(text: string): void {
  const bytes = Buffer.from(text);
  let at = 0;
  try {
    while (at < bytes.length) at += writeSync(1, bytes, at);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN') stdout().write(bytes.subarray(at));
    else if (code !== 'EPIPE') throw e;
  }
}

let guarded = false;

/**
 * process.stdout for output written as it comes. A reader that goes away (`tls-lens connect ... | head`) ends the
 * command quietly with the status it has so far, instead of an unhandled EPIPE and a stack trace.
 */
export function stdout(): NodeJS.WriteStream {
  if (!guarded) {
    guarded = true;
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    });
  }
  return process.stdout;
}
