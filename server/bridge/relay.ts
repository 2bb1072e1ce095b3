// The byte pipe between one WebSocket and one TCP socket, with backpressure both ways,
// idle and lifetime limits, and a mapping of how either side ends onto the other.
// The target's bytes may move from the WebSocket to an HTTP response (attachDownstream): browsers receive a
// streamed fetch several times faster than WebSocket messages. Up to the switch they go as WebSocket messages,
// after it only in the response, which says how many bytes went before it so the client can join the two.
import type http from 'node:http';
import type net from 'node:net';
import type { WebSocket } from 'ws';
import { CLOSE } from './refusal.ts';
import { BRIDGE_DOWNLOAD_DECLINED } from '../../src/transport/bridge-protocol.ts';

export interface RelayLimits {
  idleMs: number;
  lifetimeMs: number;
  /** Pause reading TCP while this many bytes wait to go out on the WebSocket. */
  wsHighWaterBytes: number;
  /** Largest WebSocket message the bridge sends (the client applies the same cap). */
  maxMessageBytes: number;
  /** How long the target's bytes wait for a download that is neither fetched nor declined. */
  downloadHoldMs: number;
}

export interface RelayEnd {
  code: number;
  reason: string;
  bytesUp: number; // client → target
  bytesDown: number; // target → client
}

/** The response header that tells how many of the target's bytes went as WebSocket messages before the stream. */
export const BYTES_BEFORE_HEADER = 'x-tls-lens-bytes-before';

export interface RelaySession {
  /** Resolves with how the session ended. */
  ended: Promise<RelayEnd>;
  /** Carry the target's bytes in `res` from now on (once per session; false when ended or already attached). */
  attachDownstream(res: http.ServerResponse): boolean;
}

/** What a session brings to its relay besides its two sockets. */
export interface RelayStart {
  /** How many bytes the caller already wrote to the target (the client's first flight from the upgrade request),
   * counted as sent. */
  firstWritten?: number;
  /** The client fetches the download once this many bytes came as messages: the target's bytes past that count wait
   * in TCP until the download is attached, declined, or `downloadHoldMs` has passed. */
  holdAfter?: number;
  /** Called once, when the hold begins (after the messages that reached the count): the moment to offer the
   * download, which the client takes only then. A session that never gets there (a handshake, a short answer) is
   * offered none: no message of its own beside the handshake's. */
  onHold?: () => void;
}

/** Runs until either side ends. Never logs or keeps payloads. */
export function relay(ws: WebSocket, tcp: net.Socket, limits: RelayLimits, start: RelayStart = {}): RelaySession {
  const { firstWritten = 0, holdAfter, onHold } = start;
  let attachDownstream: RelaySession['attachDownstream'] = () => false;
  const done = new Promise<RelayEnd>((resolve) => {
    let bytesUp = firstWritten;
    let bytesDown = 0;
    let ended = false;
    // One timer per session, re-armed only when it fires: cheaper than resetting it per message.
    let lastActivity = Date.now();
    const touch = () => {
      lastActivity = Date.now();
    };
    const checkIdle = () => {
      const quiet = Date.now() - lastActivity;
      if (quiet >= limits.idleMs) finish(CLOSE.idleTimeout, 'idle-timeout: no data in either direction for too long', 'reset');
      else idleTimer = setTimeout(checkIdle, limits.idleMs - quiet);
    };
    let idleTimer = setTimeout(checkIdle, limits.idleMs);
    const lifeTimer = setTimeout(() => finish(CLOSE.lifetime, 'session-lifetime: the session reached its maximum duration', 'reset'), limits.lifetimeMs);

    /** The HTTP response carrying the target's bytes once attached. */
    let downstream: http.ServerResponse | null = null;
    /** Holding the target's bytes past `holdAfter` for the download (until it is attached or declined). */
    let holding = holdAfter !== undefined;
    let holdTimer: ReturnType<typeof setTimeout> | undefined;
    /** Sent as messages and past the count: wait for the download (the client is fetching it by now). */
    const holdIfDue = () => {
      if (!holding || bytesDown < holdAfter! || holdTimer) return;
      tcp.pause();
      holdTimer = setTimeout(stopHolding, limits.downloadHoldMs);
      onHold?.();
    };
    /** Bytes go on as messages (declined, or never fetched in time). */
    function stopHolding() {
      holding = false;
      clearTimeout(holdTimer);
      if (!ended && !downstream && waiting < limits.wsHighWaterBytes / 2 && tcp.isPaused()) tcp.resume();
    }

    /** Ends the session once: closes the WebSocket with code/reason and ends or resets TCP. */
    function finish(code: number, reason: string, tcpEnd: 'end' | 'reset' | 'none') {
      if (ended) return;
      ended = true;
      clearTimeout(idleTimer);
      clearTimeout(lifeTimer);
      clearTimeout(holdTimer);
      // Whatever the target sent before the end is delivered; the close code says how it ended.
      downstream?.end();
      if (tcpEnd === 'end') tcp.end();
      else if (tcpEnd === 'reset' && !tcp.destroyed) tcp.resetAndDestroy();
      if (ws.readyState === ws.OPEN) ws.close(code, reason);
      else if (ws.readyState === ws.CONNECTING) ws.terminate();
      resolve({ code, reason, bytesUp, bytesDown });
    }

    // Target → client. Messages are cut at maxMessageBytes; TCP pauses while the WebSocket lags.
    let waiting = 0;
    tcp.on('data', (chunk: Buffer) => {
      if (ended) return;
      touch();
      bytesDown += chunk.length;
      if (downstream) {
        // The response's own buffer is the bound: TCP waits while it is full.
        if (!downstream.write(chunk) && !tcp.isPaused()) {
          tcp.pause();
          downstream.once('drain', () => !ended && tcp.resume());
        }
        return;
      }
      for (let i = 0; i < chunk.length; i += limits.maxMessageBytes) {
        const part = chunk.subarray(i, i + limits.maxMessageBytes);
        waiting += part.length;
        ws.send(part, { binary: true }, () => {
          waiting -= part.length;
          if (waiting < limits.wsHighWaterBytes / 2 && tcp.isPaused() && !ended && !downstream && !holding) tcp.resume();
        });
      }
      if (waiting >= limits.wsHighWaterBytes) tcp.pause();
      holdIfDue();
    });

    // Client → target. The WebSocket stops reading while the TCP socket's buffer is full.
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (ended) return;
      if (!isBinary) {
        // The one text message a client may send: it will not fetch the download this session offered.
        if (holdAfter !== undefined && !downstream && String(data) === BRIDGE_DOWNLOAD_DECLINED) return stopHolding();
        return finish(CLOSE.unsupportedData, 'text-frame: the bridge carries binary frames only', 'reset');
      }
      touch();
      bytesUp += data.length;
      tcp.write(data);
      // Node's socket high-water mark (16 KiB) is below one message; pause only past our own mark.
      if (tcp.writableLength >= limits.wsHighWaterBytes && !ws.isPaused) {
        ws.pause();
        tcp.once('drain', () => ws.resume());
      }
    });

    attachDownstream = (res) => {
      if (ended || downstream) return false;
      downstream = res;
      holding = false;
      clearTimeout(holdTimer);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', [BYTES_BEFORE_HEADER]: String(bytesDown) });
      res.flushHeaders();
      // The client let go of the stream: nothing more can reach it.
      res.once('close', () => !res.writableFinished && finish(CLOSE.streamClosed, 'stream-closed: the client closed the download of this session', 'reset'));
      // Paused for WebSocket messages still queued: those go on, the response takes what follows.
      if (tcp.isPaused()) tcp.resume();
      return true;
    };

    tcp.on('end', () => finish(CLOSE.normal, 'target-closed: the server closed the connection', 'end'));
    tcp.on('error', (err: NodeJS.ErrnoException) => {
      const what = err.code === 'ECONNRESET' ? 'the server reset the connection' : `connection to the server failed (${err.code ?? err.message})`;
      finish(CLOSE.targetReset, `target-reset: ${what}`, 'none');
    });
    tcp.on('close', () => finish(CLOSE.targetReset, 'target-reset: the connection to the server closed', 'none'));

    let wsError: (Error & { code?: string }) | undefined;
    ws.on('close', (code: number) => {
      // The client hung up: a clean close ends TCP with FIN, anything else (1006, 1009, ...) resets it.
      if (ended) return;
      ended = true;
      clearTimeout(idleTimer);
      clearTimeout(lifeTimer);
      downstream?.end();
      if (code === 1000 || code === 1001) tcp.end();
      else if (!tcp.destroyed) tcp.resetAndDestroy();
      const reason =
        wsError?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
          ? 'message-too-big: a WebSocket message exceeded the size limit'
          : wsError
            ? `protocol-error: ${wsError.code ?? wsError.message}`
            : 'client-closed';
      resolve({ code: wsError?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? CLOSE.tooBig : code, reason, bytesUp, bytesDown });
    });
    ws.on('error', (err) => {
      // The ws library has already sent the matching close frame (e.g. 1009 for an oversized message).
      wsError = err;
    });
  });
  return { ended: done, attachDownstream: (res) => attachDownstream(res) };
}
