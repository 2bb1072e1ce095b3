// RFC 8446 §8.1 single-use tickets for 0-RTT: a bounded record of the tickets whose early data this server has taken,
// so a replayed ClientHello (same ticket) gets no 0-RTT. Shared by the connections of one server: by default one
// record per TicketKeys (the keys that open the tickets), so servers sharing ticket keys share the record.
import { toHex } from '../../util/bytes.ts';
import type { TicketKeys } from './ticket-keys.ts';

export class UsedTickets {
  /** Ticket (hex) → when it expires (ms): past then the ticket is refused anyway, so it is forgotten. */
  private readonly used = new Map<string, number>();

  constructor(private readonly capacity = 10_000) {}

  /**
   * Take `ticket`'s one use for early data: true the first time; false if it was used before, or if the record is
   * full of unexpired tickets (refusing then is safe; forgetting one would let its replay through, §8.2).
   */
  claim(ticket: Uint8Array, expiresAt: number, now: number): boolean {
    const key = toHex(ticket);
    if (this.used.has(key)) return false;
    if (this.used.size >= this.capacity) this.forgetExpired(now);
    if (this.used.size >= this.capacity) return false;
    this.used.set(key, expiresAt);
    return true;
  }

  get size(): number {
    return this.used.size;
  }

  private forgetExpired(now: number): void {
    for (const [key, expiresAt] of this.used) if (expiresAt <= now) this.used.delete(key);
  }
}

const byTicketKeys = new WeakMap<TicketKeys, UsedTickets>();

/** The record shared by every connection that opens tickets with these keys. */
export function usedTicketsFor(keys: TicketKeys): UsedTickets {
  let record = byTicketKeys.get(keys);
  if (!record) byTicketKeys.set(keys, (record = new UsedTickets()));
  return record;
}
