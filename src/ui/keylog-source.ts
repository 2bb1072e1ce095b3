// Placeholder until src/tls/keylog.ts lands.
import type { TraceEvent } from '../trace/types.ts';
export function keyLogFromEvents(_events: TraceEvent[]): string {
  return '';
}
