// One plaintext conversation over a byte stream: buffered reading with bounds and timeouts,
// every command and reply recorded as a `preamble` trace event, and the strict handover to TLS.
import type { Transport } from '../transport/types.ts';
import type { Emit } from '../trace/recorder.ts';
import { concat, toHex, utf8 } from '../util/bytes.ts';
import { StartTlsError, injectionMessage } from './errors.ts';

/** What the dialogue reads from and writes to: the plain transport, or a TLS stream after the handshake. */
export interface ByteStream {
  write(data: Uint8Array): Promise<void>;
  read(): Promise<Uint8Array | null>;
}

export interface DialogueLimits {
  /** How long to wait for each piece of a reply. */
  timeoutMs: number;
  /**
   * How long the whole plaintext phase may take: a server that trickles a byte just inside each `timeoutMs` cannot
   * hold the dialogue for longer than this.
   */
  totalTimeoutMs: number;
  /** Longest text line accepted (bytes, line end included). */
  maxLineLength: number;
  /** Most bytes the whole plaintext phase may receive (a server cannot make us read forever). */
  maxTotalBytes: number;
  /** How long to watch for stray plaintext after the go-ahead. */
  injectionWaitMs: number;
}

export const DEFAULT_LIMITS: DialogueLimits = {
  timeoutMs: 10_000,
  totalTimeoutMs: 60_000,
  maxLineLength: 8192,
  maxTotalBytes: 1 << 20,
  injectionWaitMs: 150,
};

/** Render bytes as a readable line: printable ASCII/UTF-8 kept, control bytes escaped. */
export function printable(bytes: Uint8Array): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes).replace(/\r?\n$/, '');
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const TIMED_OUT = Symbol('timed out');

export class Dialogue {
  private buffer: Uint8Array = new Uint8Array(0);
  /** A read of the underlying stream that was started but has not been consumed yet. */
  private pending: Promise<Uint8Array | null> | null = null;
  private received = 0;
  /** When the whole plaintext phase must be over (limits.totalTimeoutMs from the dialogue's start). */
  private readonly deadline: number;
  /** False once the server is known not to have advertised STARTTLS; the command is then marked when sent. */
  advertised = true;

  constructor(
    readonly protocol: string,
    private stream: ByteStream,
    private emit: Emit,
    readonly limits: DialogueLimits,
    /** True after TLS: events are marked as travelling inside the TLS connection. */
    readonly overTls = false,
  ) {
    this.deadline = Date.now() + limits.totalTimeoutMs;
  }

  // ---- trace ----

  private withPhase(note?: string): string | undefined {
    if (!this.overTls) return note;
    return note ? `inside TLS: ${note}` : 'inside TLS';
  }

  recordSent(bytes: Uint8Array, text: string, note?: string, facts: { advertised?: false } = {}): void {
    this.emit({ kind: 'preamble', protocol: this.protocol, direction: 'client', bytes: toHex(bytes), text, note: this.withPhase(note), ...facts });
  }

  recordReceived(bytes: Uint8Array, text: string, note?: string): void {
    this.emit({ kind: 'preamble', protocol: this.protocol, direction: 'server', bytes: toHex(bytes), text, note: this.withPhase(note) });
  }

  note(text: string): void {
    this.emit({ kind: 'note', text: `${this.protocol}: ${text}` });
  }

  /**
   * The server did not advertise STARTTLS (`why` says how we know). Users ask for STARTTLS on purpose and many
   * servers accept it unadvertised, so the command is still sent, as `openssl s_client -starttls` does; only the
   * server's refusal ends the session. The trace gets this note and the command's event `advertised: false`.
   */
  notAdvertised(why: string): void {
    this.advertised = false;
    this.note(`${why}: sending the command anyway, as openssl s_client -starttls does; only the server's refusal ends the session`);
  }

  // ---- sending ----

  /** Send one text command; CRLF is added. */
  async sendLine(line: string, note?: string): Promise<void> {
    await this.sendBytes(utf8.encode(line + '\r\n'), line, note);
  }

  /** Send the STARTTLS command itself (a line), marked in the trace when the server had not advertised it. */
  async sendStartTlsLine(line: string, note?: string): Promise<void> {
    await this.sendStartTlsBytes(utf8.encode(line + '\r\n'), line, note);
  }

  /** Send the STARTTLS command itself (a packet or XML), marked in the trace when the server had not advertised it. */
  async sendStartTlsBytes(bytes: Uint8Array, text: string, note?: string): Promise<void> {
    await this.sendBytes(bytes, text, note, this.advertised ? {} : { advertised: false });
  }

  /** Send raw bytes (a binary packet or an XML fragment) with the text that describes them. */
  async sendBytes(bytes: Uint8Array, text: string, note?: string, facts: { advertised?: false } = {}): Promise<void> {
    this.recordSent(bytes, text, note, facts);
    try {
      await this.stream.write(bytes);
    } catch (e) {
      throw new StartTlsError('CLOSED', `${this.protocol}: sending failed, the connection is gone: ${(e as Error).message}`);
    }
  }

  // ---- receiving ----

  get buffered(): number {
    return this.buffer.length;
  }

  private startRead(): Promise<Uint8Array | null> {
    if (!this.pending) this.pending = this.stream.read();
    return this.pending;
  }

  /** Wait up to `ms` for the next chunk: the chunk, null at end of stream, or TIMED_OUT (the read stays pending). */
  private async nextChunk(ms: number): Promise<Uint8Array | null | typeof TIMED_OUT> {
    const read = this.startRead();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), ms);
    });
    try {
      const result = await Promise.race([read, timeout]);
      if (result !== TIMED_OUT) this.pending = null;
      return result;
    } catch (e) {
      this.pending = null;
      throw new StartTlsError('CLOSED', `${this.protocol}: the connection failed: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Read one more chunk into the buffer, or fail with TIMEOUT / CLOSED. */
  private async fill(waitingFor: string): Promise<void> {
    const left = this.deadline - Date.now();
    // The deadline, not the reply timeout, ends this wait when it comes first (timers can fire a little early by the clock).
    const byDeadline = left <= this.limits.timeoutMs;
    const chunk = left > 0 ? await this.nextChunk(Math.min(this.limits.timeoutMs, left)) : TIMED_OUT;
    if (chunk === TIMED_OUT) {
      if (byDeadline) {
        throw new StartTlsError('TIMEOUT', `${this.protocol}: the plaintext dialogue is still not over after ${this.limits.totalTimeoutMs} ms (the server answers too slowly) while waiting for ${waitingFor}`);
      }
      throw new StartTlsError('TIMEOUT', `${this.protocol}: no answer within ${this.limits.timeoutMs} ms while waiting for ${waitingFor}`);
    }
    if (chunk === null) {
      throw new StartTlsError('CLOSED', `${this.protocol}: the server closed the connection while we waited for ${waitingFor}`);
    }
    this.received += chunk.length;
    if (this.received > this.limits.maxTotalBytes) {
      throw new StartTlsError('PROTOCOL_ERROR', `${this.protocol}: the server sent more than ${this.limits.maxTotalBytes} bytes before TLS`);
    }
    this.buffer = this.buffer.length ? concat(this.buffer, chunk) : chunk;
  }

  /** Read one line up to and including LF. Returns the raw bytes and the text without the line end. */
  async readLine(waitingFor = 'a reply line'): Promise<{ bytes: Uint8Array; text: string }> {
    for (;;) {
      const lf = this.buffer.indexOf(0x0a);
      if (lf >= 0) {
        if (lf + 1 > this.limits.maxLineLength) break;
        const bytes = this.buffer.slice(0, lf + 1);
        this.buffer = this.buffer.slice(lf + 1);
        return { bytes, text: new TextDecoder().decode(bytes).replace(/\r?\n$/, '') };
      }
      if (this.buffer.length >= this.limits.maxLineLength) break;
      await this.fill(waitingFor);
    }
    throw new StartTlsError('PROTOCOL_ERROR', `${this.protocol}: a reply line is longer than ${this.limits.maxLineLength} bytes`);
  }

  /** Read one line and record it in the trace. */
  async receiveLine(waitingFor?: string, note?: string): Promise<string> {
    const { bytes, text } = await this.readLine(waitingFor);
    this.recordReceived(bytes, printable(bytes), note);
    return text;
  }

  /** Read exactly n bytes (not recorded: the caller records the decoded packet). */
  async readExact(n: number, waitingFor: string): Promise<Uint8Array> {
    while (this.buffer.length < n) await this.fill(waitingFor);
    const out = this.buffer.slice(0, n);
    this.buffer = this.buffer.slice(n);
    return out;
  }

  /**
   * Read until `parse` recognises a complete unit at the start of the buffer; parse returns
   * the number of bytes it used (or -1 for "need more"). Bounded by maxLineLength * 8.
   */
  async readUnit<T>(
    parse: (buf: Uint8Array) => { used: number; value: T } | null,
    waitingFor: string,
    /** A byte that must be present in new data before parsing again (keeps a dribbling server from costing O(n²)). */
    terminator?: number,
  ): Promise<{ bytes: Uint8Array; value: T }> {
    let fresh = this.buffer.length; // bytes at the end of the buffer not yet looked at by parse
    for (;;) {
      const worthParsing = this.buffer.length > 0 && (terminator === undefined || this.buffer.subarray(this.buffer.length - fresh).includes(terminator));
      const got = worthParsing ? parse(this.buffer) : null;
      if (got) {
        const bytes = this.buffer.slice(0, got.used);
        this.buffer = this.buffer.slice(got.used);
        return { bytes, value: got.value };
      }
      if (this.buffer.length > this.limits.maxLineLength * 8) {
        throw new StartTlsError('PROTOCOL_ERROR', `${this.protocol}: ${waitingFor} is larger than ${this.limits.maxLineLength * 8} bytes`);
      }
      const before = this.buffer.length;
      await this.fill(waitingFor);
      const added = this.buffer.length - before;
      fresh = worthParsing ? added : fresh + added;
    }
  }

  // ---- handover ----

  /**
   * The server said go. Check that nothing else came (both already buffered and within a short wait),
   * then return a transport whose buffer is empty. Until the TLS client writes its first bytes,
   * anything the server sends is still injected plaintext (a TLS server never speaks first).
   */
  async handover(transport: Transport, hint?: string): Promise<Transport> {
    const protocol = this.protocol;
    const emit = this.emit;
    const message = (bytes: number, when: string) => injectionMessage(protocol, bytes, when) + (hint ? ` ${hint}` : '');
    const reject = (bytes: Uint8Array, when: string): StartTlsError => {
      this.recordReceived(bytes, printable(bytes), 'INJECTED plaintext after the go-ahead: never passed to TLS');
      return new StartTlsError('STARTTLS_INJECTION', message(bytes.length, when));
    };
    if (this.buffer.length > 0) throw reject(this.buffer, 'in the same read as the go-ahead');
    const late = await this.nextChunk(this.limits.injectionWaitMs);
    if (late === null) throw new StartTlsError('CLOSED', `${protocol}: the server closed the connection right after its go-ahead`);
    if (late !== TIMED_OUT) throw reject(late, `within ${this.limits.injectionWaitMs} ms of the go-ahead`);

    let wrote = false;
    let first: Promise<Uint8Array | null> | null = this.pending;
    this.pending = null;
    // Remember, at the moment the bytes arrive, whether the TLS client had spoken yet.
    const watch = (read: Promise<Uint8Array | null>) => read.then((data) => ({ data, early: !wrote }));
    let firstWatched = first ? watch(first) : null;
    first = null;
    const guarded: Transport = {
      async write(data) {
        wrote = true;
        await transport.write(data);
      },
      async read() {
        const next = firstWatched ?? watch(transport.read());
        firstWatched = null;
        const { data, early } = await next;
        if (data && data.length > 0 && early) {
          emit({ kind: 'preamble', protocol, direction: 'server', bytes: toHex(data), text: printable(data), note: 'INJECTED plaintext before the TLS handshake began: never passed to TLS' });
          const err = new StartTlsError('STARTTLS_INJECTION', message(data.length, 'before the client started the TLS handshake'));
          emit({ kind: 'error', code: err.code, message: err.message });
          throw err;
        }
        return data;
      },
      close: () => transport.close(),
    };
    return guarded;
  }
}
