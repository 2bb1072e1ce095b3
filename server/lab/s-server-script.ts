// Typing a short script into `openssl s_server`'s stdin, one step at a time.
//
// s_server acts on a stdin read that is exactly "k\n" (KeyUpdate) or "K\n" (KeyUpdate, update_requested); a read
// holding a command and more is sent as text or loses its tail. On a busy machine two writes made a moment apart can
// reach s_server as one read, so a fixed pause between them is not enough: each step is written only once s_server's
// stdout shows that it acted on the previous one. A step that is not acknowledged in time gives up, so a stuck
// s_server cannot hold its client (or the lab) forever.

export interface ScriptStep {
  /** What to type, newline included: one stdin read. */
  line: string;
  /** A stdout line s_server prints once it has read `line` and acted on it. */
  ack: RegExp;
}

export interface ScriptPlayer {
  /** Write the first step (once; later calls do nothing). */
  start(): void;
  /** One whole line of s_server's stdout. */
  line(text: string): void;
  stop(): void;
}

export interface ScriptIo {
  write(line: string): void;
  /** The step was not acknowledged within the deadline; nothing more is written. */
  stuck(step: ScriptStep): void;
}

export function playScript(steps: readonly ScriptStep[], io: ScriptIo, deadlineMs: number): ScriptPlayer {
  let waitingFor = -1; // the step written and not yet acknowledged; -1 before start
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
  };
  const write = (i: number) => {
    waitingFor = i;
    if (i >= steps.length) return stop();
    io.write(steps[i].line);
    timer = setTimeout(() => {
      stop();
      io.stuck(steps[i]);
    }, deadlineMs);
  };
  return {
    start: () => {
      if (waitingFor === -1 && !stopped) write(0);
    },
    line: (text) => {
      if (stopped || waitingFor < 0 || !steps[waitingFor].ack.test(text)) return;
      clearTimeout(timer);
      write(waitingFor + 1);
    },
    stop,
  };
}

/** Longest partial line kept: s_server also prints what a client sends, which may be one huge line. */
const MAX_PARTIAL_LINE = 16 * 1024;

/** Splits a text stream into lines (without "\r\n" / "\n") for `onLine`. */
export function lineSplitter(onLine: (line: string) => void): (chunk: string) => void {
  let partial = '';
  return (chunk) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!.slice(-MAX_PARTIAL_LINE);
    for (const line of parts) onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  };
}
