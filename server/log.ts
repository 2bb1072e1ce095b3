// Structured logs: one JSON object per line. Callers pass facts (ids, addresses, counts, codes),
// never payload bytes.
export type LogFields = Record<string, string | number | boolean | undefined | null | string[]>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
}

export function jsonLogger(write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const emit = (level: string) => (event: string, fields: LogFields = {}) => write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`);
  return { info: emit('info'), warn: emit('warn') };
}

export const silentLogger: Logger = { info() {}, warn() {} };
