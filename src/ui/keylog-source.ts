// The NSS key log comes from the trace through the engine's own writer (src/tls/keylog.ts).
import type { TraceEvent } from '../trace/types.ts';
import { keyLogText } from '../tls/keylog.ts';

export function keyLogFromEvents(events: TraceEvent[]): string {
  return keyLogText(events);
}
