// `tls-lens serve --report URL`: each client's report and trace, posted to a running TLS Lens app (its Clients view).
// Only to this machine: a trace holds the handshake's secrets, so it never leaves loopback.
import { MAX_REPORT_BYTES, type ClientReportMessage, type ReportingServer, type ReportPhase } from '../clients/report-message.ts';
import { socketErrorWords } from '../transport/tcp.ts';
import type { TraceFile } from '../trace/types.ts';
import type { ClientReport } from './serve-report.ts';

/** A post that takes longer than this is given up (the client is still printed). */
const POST_TIMEOUT_MS = 5000;

const LOOPBACK_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** The --report URL, checked: http(s) to a loopback address. Returns null with the reason when it is not one. */
export function reportUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `--report takes a URL such as http://127.0.0.1:5174/api/clients, got '${text}'`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `--report takes an http:// URL, got '${text}'`;
  if (!LOOPBACK_HOSTS.test(url.hostname)) return `--report sends traces (with their secrets) only to this machine: use 127.0.0.1, localhost or [::1], not '${url.hostname}'`;
  return null;
}

/** The message for one client; the trace is left out (and why said) when the whole would be over the app's limit. */
export function reportMessage(server: ReportingServer, phase: ReportPhase, report: ClientReport, trace: TraceFile): string {
  const whole: ClientReportMessage = { format: 'tls-lens-client-report', version: 1, phase, server, report, trace };
  const text = JSON.stringify(whole);
  if (text.length <= MAX_REPORT_BYTES) return text;
  const traceOmitted = `the trace (${(text.length / 1024).toFixed(0)} KiB with the report) is over the ${MAX_REPORT_BYTES / 1024} KiB a report may carry; save it with --trace DIR`;
  return JSON.stringify({ ...whole, trace: null, traceOmitted } satisfies ClientReportMessage);
}

/** POST one message; resolves with null when the app took it, else the reason in plain words. Never throws. */
export async function postReport(url: string, body: string): Promise<string | null> {
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, signal: AbortSignal.timeout(POST_TIMEOUT_MS) });
    if (res.ok) return null;
    let detail = '';
    try {
      detail = ((await res.json()) as { message?: string }).message ?? '';
    } catch {
      /* not JSON: the status says enough */
    }
    return `the app answered HTTP ${res.status}${detail ? `: ${detail}` : ''}`;
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    if (err.name === 'TimeoutError') return `no answer within ${POST_TIMEOUT_MS} ms`;
    return `cannot reach ${url}: ${err.cause ? socketErrorWords(err.cause) : err.message}`;
  }
}

/**
 * One client's reports, posted in order (the handshake's, then the connection's end); a report that cannot be
 * posted is said on stderr, so --json's stdout stays one line per client. A problem is said once per client while it
 * stays the same (an app that is not running would otherwise be named at each phase); a different problem, or the
 * same one again after a report went through, is said again.
 */
export class ClientReporter {
  private last: Promise<void> = Promise.resolve();
  /** The problem last said for this client, null once a report went through. */
  private said: string | null = null;

  constructor(
    private readonly url: string,
    private readonly server: ReportingServer,
    private readonly n: number,
  ) {}

  /** Queue one report; the promise settles once it (and those before it) were posted or given up. */
  send(phase: ReportPhase, report: ClientReport, trace: TraceFile): Promise<void> {
    // Serialised now: the trace goes on growing after this call.
    const body = reportMessage(this.server, phase, report, trace);
    this.last = this.last.then(async () => {
      const problem = await postReport(this.url, body);
      if (problem && problem !== this.said) process.stderr.write(`tls-lens serve: client #${this.n} not reported to ${this.url}: ${problem}\n`);
      this.said = problem;
    });
    return this.last;
  }
}
