// The server's ticket keys (RFC 8446 §4.6.1, RFC 5077 §4): a ticket is the resumption state sealed with AES-256-GCM
// under a key only the server knows, so the server keeps no per-session state. The sealing key rotates every
// `rotationMs`; the key before it still opens tickets, so a rotation does not end every session at once.
// Ticket = key id (4) || nonce (12) || AES-GCM(state, additional data = key id).
import { concat, equalBytes } from '../../util/bytes.ts';
import { createAead, type Aead } from '../../crypto/aead.ts';
import { randomBytes } from '../../crypto/provider.ts';

interface TicketKey {
  id: Uint8Array;
  key: Aead;
  createdAt: number;
}

export class TicketKeys {
  private current: Promise<TicketKey> | null = null;
  private previous: Promise<TicketKey> | null = null;
  /** How many times the sealing key changed (for traces and tests). */
  rotations = 0;

  constructor(
    private readonly options: { rotationMs?: number; clock?: () => number } = {},
  ) {}

  /** Seal a resumption state into a ticket with the current key (rotating first when it is due). */
  async seal(state: Uint8Array): Promise<Uint8Array> {
    const k = await this.sealingKey();
    const nonce = randomBytes(12);
    const sealed = await k.key.seal(nonce, k.id, state);
    return concat(k.id, nonce, sealed);
  }

  /** The state inside a ticket, or null when no key we hold opens it (another server's, too old, or forged). */
  async open(ticket: Uint8Array): Promise<Uint8Array | null> {
    if (ticket.length < 4 + 12 + 16) return null;
    const id = ticket.subarray(0, 4);
    for (const candidate of [this.current, this.previous]) {
      const k = candidate && (await candidate);
      if (!k || !equalBytes(k.id, id)) continue;
      return k.key.open(ticket.subarray(4, 16), id, ticket.subarray(16));
    }
    return null;
  }

  /** Start using a new key now; the current one only opens tickets from then on. */
  rotate(): void {
    this.previous = this.current;
    this.current = newKey(this.now());
    this.rotations++;
  }

  private async sealingKey(): Promise<TicketKey> {
    if (!this.current) this.current = newKey(this.now());
    const k = await this.current;
    const every = this.options.rotationMs;
    if (every !== undefined && this.now() - k.createdAt >= every) {
      this.rotate();
      return this.current!;
    }
    return k;
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }
}

async function newKey(createdAt: number): Promise<TicketKey> {
  const key = await createAead('AES-GCM', randomBytes(32));
  return { id: randomBytes(4), key, createdAt };
}
