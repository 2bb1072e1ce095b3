// TLS 1.2 sessions a server keeps for resumption by session id (RFC 5246 §7.3): bounded, oldest out first, so
// a client opening sessions without end cannot grow the server's memory.
import { toHex } from '../../util/bytes.ts';

export interface Session12State {
  suite: number;
  masterSecret: Uint8Array;
  extendedMasterSecret: boolean;
  alpn: string | null;
  sni: string | null;
  createdAt: number;
}

export class SessionCache12 {
  private readonly sessions = new Map<string, Session12State>();

  constructor(
    readonly maxSessions = 1000,
    readonly lifetimeMs = 2 * 3600 * 1000,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  put(id: Uint8Array, state: Session12State): void {
    const key = toHex(id);
    this.sessions.delete(key);
    this.sessions.set(key, state);
    while (this.sessions.size > this.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
  }

  /** The session for this id if it is still fresh. */
  get(id: Uint8Array, now: number): Session12State | null {
    const s = this.sessions.get(toHex(id));
    if (!s) return null;
    if (now - s.createdAt > this.lifetimeMs) {
      this.sessions.delete(toHex(id));
      return null;
    }
    return s;
  }
}
