// The Clients API (same origin as the app): the list of clients, a stream of new ones for the page, each client's
// trace, the listener's CA, and the door `tls-lens serve --report` posts to. Posts come only from programs on this
// machine: never from a web page (an Origin header is refused, and JSON needs a CORS preflight we never grant).
import type http from 'node:http';
import { readFile } from 'node:fs/promises';
import { MAX_CLIENTS_KEPT, MAX_REPORT_BYTES, type ClientsListenerInfo } from '../../src/clients/report-message.ts';
import type { ClientFeed } from './feed.ts';
import { BadReportError, checkReportMessage } from './check-report.ts';

/** At most this many pages follow the stream at once. */
const MAX_STREAMS = 16;
/** Bytes a page may leave unread on its stream before it is cut off. */
const MAX_STREAM_BACKLOG = 1024 * 1024;
/** A comment line this often keeps idle proxies and the browser from dropping the stream. */
const KEEPALIVE_MS = 20_000;

export interface ClientsApiOptions {
  feed: ClientFeed;
  listener(): ClientsListenerInfo;
  isLoopback(address: string | undefined): boolean;
}

type Send = (res: http.ServerResponse, status: number, value: unknown) => void;

export function clientsApi(options: ClientsApiOptions, sendJson: Send) {
  const { feed } = options;
  const streams = new Set<http.ServerResponse>();
  const refuse = (res: http.ServerResponse, status: number, error: string, message: string) => sendJson(res, status, { error, message });

  async function intake(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!options.isLoopback(req.socket.remoteAddress)) return refuse(res, 403, 'not-local', 'reports are taken only from programs on this machine');
    if (req.headers.origin !== undefined || req.headers['sec-fetch-site'] !== undefined) return refuse(res, 403, 'from-a-page', 'reports come from tls-lens serve, never from a web page');
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return refuse(res, 415, 'not-json', 'send the report as application/json');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_REPORT_BYTES) return tooLarge(req, res);
    const body = await readBody(req);
    if (body === null) return tooLarge(req, res);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (e) {
      return refuse(res, 400, 'bad-report', `the report is not JSON: ${(e as Error).message}`);
    }
    try {
      const checked = checkReportMessage(parsed);
      const info = options.listener();
      const entry = feed.add(checked, !!info.running && checked.message.server.url === info.url);
      return sendJson(res, 201, { ok: true, id: entry.id });
    } catch (e) {
      if (e instanceof BadReportError) return refuse(res, 400, 'bad-report', e.message);
      throw e;
    }
  }

  /** The body, or null as soon as it grows past the limit (the rest is left unread). */
  function readBody(req: http.IncomingMessage): Promise<Buffer | null> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_REPORT_BYTES) return void chunks.push(chunk);
        req.off('data', onData);
        req.pause();
        resolve(null);
      };
      req.on('data', onData);
      req.once('end', () => resolve(Buffer.concat(chunks)));
      req.once('error', reject);
    });
  }

  function tooLarge(req: http.IncomingMessage, res: http.ServerResponse) {
    // The rest of the body is not read: the connection ends once the answer is out.
    res.setHeader('Connection', 'close');
    res.once('finish', () => req.destroy());
    refuse(res, 413, 'report-too-large', `a report may be at most ${MAX_REPORT_BYTES} bytes`);
  }

  function stream(req: http.IncomingMessage, res: http.ServerResponse) {
    if (streams.size >= MAX_STREAMS) return refuse(res, 429, 'too-many-streams', `at most ${MAX_STREAMS} pages follow the clients at once`);
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', Connection: 'keep-alive' });
    const send = (event: string, data: unknown) => {
      // A page that stopped reading is cut off rather than buffered for without end; its EventSource reconnects
      // and gets the whole list again.
      if (res.writableLength > MAX_STREAM_BACKLOG) return void res.destroy();
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    send('clients', { clients: feed.list(), listener: options.listener() });
    const unsubscribe = feed.subscribe((entry) => send('client', entry));
    const keepalive = setInterval(() => res.write(': keep-alive\n\n'), KEEPALIVE_MS);
    streams.add(res);
    const end = () => {
      clearInterval(keepalive);
      unsubscribe();
      streams.delete(res);
    };
    req.on('close', end);
    res.on('error', end);
  }

  return {
    /** Answers requests under /api/clients; false for any other path. */
    async handle(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<boolean> {
      if (path !== '/api/clients' && !path.startsWith('/api/clients/')) return false;
      const method = req.method ?? 'GET';
      if (path === '/api/clients' && method === 'POST') {
        await intake(req, res);
        return true;
      }
      if (method !== 'GET' && method !== 'HEAD') {
        refuse(res, 405, 'method-not-allowed', 'only GET here (and POST /api/clients for reports)');
        return true;
      }
      if (path === '/api/clients') sendJson(res, 200, { clients: feed.list(), listener: options.listener() });
      else if (path === '/api/clients/events') stream(req, res);
      else if (path === '/api/clients/listener') sendJson(res, 200, options.listener());
      else if (path === '/api/clients/ca.pem') await sendCa(res);
      else {
        const m = /^\/api\/clients\/(\d+)\/trace$/.exec(path);
        if (!m) refuse(res, 404, 'not-found', `no API at ${path}`);
        else if (!options.isLoopback(req.socket.remoteAddress)) refuse(res, 403, 'not-local', 'traces hold secrets: visible only from this machine');
        else {
          const trace = feed.trace(Number(m[1]));
          if (trace === undefined) refuse(res, 404, 'unknown-client', `no client ${m[1]} (the app keeps the newest ${MAX_CLIENTS_KEPT} only)`);
          else if (trace === null) refuse(res, 404, 'no-trace', 'this client was reported without its trace');
          else res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' }).end(trace);
        }
      }
      return true;
    },
    /** Ends every open stream (the app is stopping). */
    close(): void {
      for (const res of streams) res.end();
      streams.clear();
    },
  };

  async function sendCa(res: http.ServerResponse) {
    const caFile = options.listener().caFile;
    if (!caFile) return refuse(res, 404, 'no-listener', 'the clients listener is not running');
    const pem = await readFile(caFile, 'utf8');
    res.writeHead(200, { 'Content-Type': 'application/x-pem-file', 'Content-Disposition': 'attachment; filename="tls-lens-serve-ca.pem"', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' }).end(pem);
  }
}

export type ClientsApi = ReturnType<typeof clientsApi>;
