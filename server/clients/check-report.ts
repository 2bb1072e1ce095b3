// A posted client report, checked before the app keeps it: the shape the Clients view relies on, and a trace that
// opens in the usual views. Anything else is refused with the reason in plain words.
import type { ClientReportMessage } from '../../src/clients/report-message.ts';
import { parseTraceFile } from '../../src/trace/recorder.ts';

export class BadReportError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringList = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** A checked report, its trace kept as JSON text (a third of the memory of the parsed events). */
export interface CheckedReport {
  message: Omit<ClientReportMessage, 'trace'>;
  /** The trace file as JSON, or null when the report came without it. */
  traceText: string | null;
}

export function checkReportMessage(value: unknown): CheckedReport {
  const bad = (why: string): never => {
    throw new BadReportError(why);
  };
  if (!isObject(value)) return bad('the body is not a JSON object');
  if (value.format !== 'tls-lens-client-report') return bad('format is not "tls-lens-client-report"');
  if (value.version !== 1) return bad(`unsupported report version ${String(value.version)}`);
  if (value.phase !== 'handshake' && value.phase !== 'closed') return bad('phase must be "handshake" or "closed"');
  const server = value.server;
  if (!isObject(server) || typeof server.url !== 'string' || typeof server.startedAt !== 'string' || !isStringList(server.versions) || !isStringList(server.groups)) return bad('server must give url, startedAt, versions and groups');
  if ((server.suites !== undefined && !isStringList(server.suites)) || (server.alpn !== undefined && !isStringList(server.alpn))) return bad('server.suites and server.alpn must be lists of names');
  const report = value.report;
  if (!isObject(report) || typeof report.client !== 'string' || typeof report.n !== 'number' || typeof report.ok !== 'boolean' || !Array.isArray(report.messages)) {
    return bad('report must give client, n, ok and messages');
  }
  if (value.traceOmitted !== undefined && typeof value.traceOmitted !== 'string') return bad('traceOmitted must be text');
  let traceText: string | null = null;
  if (value.trace !== null) {
    try {
      traceText = JSON.stringify(parseTraceFile(JSON.stringify(value.trace)));
    } catch (e) {
      return bad(`trace: ${(e as Error).message}`);
    }
  }
  const { trace: _trace, ...message } = value;
  return { message: message as unknown as CheckedReport['message'], traceText };
}
