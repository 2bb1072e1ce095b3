// The line under the status that says what became of the Connect form's early data (src/ui/early-data-outcome.tsx).
import { describe, expect, it } from 'vitest';
import { earlyDataWords } from '../../src/ui/early-data-outcome.tsx';

describe('earlyDataWords', () => {
  it('accepted: the bytes the server read as 0-RTT, and any beyond the ticket\'s limit', () => {
    expect(earlyDataWords({ offered: true, accepted: true, bytes: 18, resent: 0 })).toBe('0-RTT accepted: the server read 18 bytes of early data before the handshake ended');
    expect(earlyDataWords({ offered: true, accepted: true, bytes: 16384, resent: 1 })).toContain("the 1 byte beyond the ticket's limit went after the handshake");
  });

  it('refused or not sent: the engine\'s reason, and that the data went after the handshake', () => {
    expect(earlyDataWords({ offered: true, accepted: false, bytes: 5, resent: 5, reason: 'the server answered with a HelloRetryRequest' })).toBe(
      '0-RTT refused: the server answered with a HelloRetryRequest. The 5 bytes were sent again after the handshake, as ordinary application data',
    );
    expect(earlyDataWords({ offered: false, accepted: false, bytes: 0, resent: 5, reason: 'no TLS 1.3 ticket to resume with' })).toBe(
      'Early data not sent as 0-RTT: no TLS 1.3 ticket to resume with. The 5 bytes went after the handshake, as ordinary application data',
    );
  });
});
