// The status line's words for a live connection, shared by the app's header and the page's boot script (which shows
// a connection started before the app loaded).
import type { ConnectionSummary } from '../worker/messages.ts';

export function liveStatusText(target: string | undefined, status: string, detail?: string, summary?: ConnectionSummary): string {
  const agreed = summary && status === 'connected' ? ` (${[summary.version, summary.cipherSuite, summary.group, summary.alpn && `ALPN ${summary.alpn}`, summary.resumed && 'resumed'].filter(Boolean).join(', ')})` : '';
  return `${target}: ${status}${detail ? ` — ${detail}` : ''}${agreed}`;
}
