// One direction of a captured TLS stream, as the decoder reads it: the bytes not framed yet, the keys its records
// are under, its sequence numbers, and what it could not open or lost.
import type { Epoch, Side } from '../trace/types.ts';
import type { RecordProtector } from './engine.ts';
import { ByteQueue } from './byte-queue.ts';

/** Records that stayed encrypted, and why. */
export interface Undecrypted {
  direction: Side;
  epoch: Epoch;
  records: number;
  /** The key log line (label and client random) that would open them. */
  needs: string;
  reason: 'no key in the key log' | 'the key did not decrypt' | 'records were lost before them' | typeof NO_HANDSHAKE | typeof LEGACY_VERSION | typeof UNKNOWN_SUITE;
}

/** The capture lacks the hellos that name the keys (it began later, or lost or cut them). */
export const NO_HANDSHAKE = 'the handshake is not in the capture';
/** SSL 3.0: its MAC and key derivation are its own, and are not done here (TLS 1.0 and 1.1 are: legacy-cbc-protector.ts). */
export const LEGACY_VERSION = 'SSL 3.0 is not decrypted';
/** The ServerHello chose a suite the engine has no record protection for (the key log may well have its line). */
export const UNKNOWN_SUITE = 'the cipher suite is not one TLS Lens decrypts';

/** A hole in one direction of the capture, and what it cost. */
export interface CaptureGap {
  direction: Side;
  /** Bytes missing from the capture. */
  bytes: number;
  /**
   * Records lost with them, when the next record opened under keys (its sequence number, found by trying the
   * numbers after the last one seen, tells); null when that is unknown (no keys, or nothing opened after it).
   */
  recordsLost: number | null;
  /** How many of the missing bytes a packet cut by the capture's snapshot length lost (absent when none). */
  cut?: number;
  /**
   * Not a hole but bytes the capture holds that are not records where one was due (a record header no record can
   * have: its bytes damaged in the capture): where it was (bytes into the direction's TLS data) and how many bytes
   * were skipped from there to the next record header found. `bytes` is then 0: nothing is missing.
   */
  damaged?: { at: number; skipped: number };
}

/** A record header no record can have, met while framing: skipped up to the next record header found (resync.ts). */
export interface Damage {
  /** Where the header was: bytes into the direction's TLS data. */
  at: number;
  /** The header's bytes (hex) and why no record has such a header, in words. */
  header: string;
  why: string;
}

/** The keys a direction's records are under: none yet (plaintext), known, or missing (and which line would do). */
export type Protection =
  | { state: 'none' }
  | { state: 'keys'; protector: RecordProtector }
  | { state: 'missing'; needs: string; reason: Undecrypted['reason'] };

export interface Direction {
  side: Side;
  /** Bytes received and not framed into records yet. */
  buffer: ByteQueue;
  epoch: Epoch;
  protection: Protection;
  /** The sequence number of the next record under `protection`'s keys. */
  seq: number;
  /** TLS 1.2: the protection that starts with this side's next ChangeCipherSpec. */
  pending12: Protection | null;
  /** TLS 1.3 with early data: the handshake keys that take over from the early ones. */
  after0rtt: { protection: Protection; epoch: Epoch } | null;
  plaintextSeq: number;
  /** Sequence numbers of records we cannot open (counted so the trace still numbers them). */
  opaqueSeq: number;
  /** Handshake bytes not yet cut into messages (a view, perhaps into `handshakeRoom`). */
  handshake: Uint8Array;
  /** Where a message that comes in several records is gathered, with room to grow (tls-decoder.ts). */
  handshakeRoom: Uint8Array;
  handshakeRecords: number[];
  /** TLS 1.3: current application traffic secret and its generation (for KeyUpdate). */
  trafficSecret: Uint8Array | null;
  generation: number;
  undecrypted: Undecrypted | null;
  /** After a gap or a damaged record header: look for the next record header. */
  resync: boolean;
  /** Where the first unframed byte is: bytes into the direction's TLS data (framed, skipped and lost before it). */
  position: number;
  /** Framing met a damaged record header and is skipping to the next record header (not in the queue yet). */
  damage: Damage | null;
  /** A gap under keys not settled yet: the first record after it is tried at the next sequence numbers. */
  lost: CaptureGap | null;
  /** Application data bytes shown in full so far. */
  shown: number;
  /** Entries of this direction in the queue, not processed yet. */
  queued: number;
  /** Decryption ahead: the keys and next sequence number the last queued record of this direction was given. */
  ahead: { protector: RecordProtector; seq: number } | null;
  /** Bytes dropped since the last gap (the cut record before it, what resynchronising skipped). */
  dropped: number;
  /** TLS 1.3 early data: keys for the other cipher suites the resumed session may have (the AEAD tag picks). */
  alternatives: RecordProtector[];
  /**
   * The last bytes (up to one 16-byte block) right before the unframed ones, with no hole between: TLS 1.0's next
   * IV is the last ciphertext block before a record. Kept only while the version may be TLS 1.0 (else empty).
   */
  tail: Uint8Array;
  /**
   * TLS 1.0 after a gap under keys: records found after it whose IV (the block before them) was lost with it, shown
   * encrypted; the next record is tried past them, over the gap's span (its bytes and what was dropped around it).
   */
  ivLost: { records: number; span: number } | null;
  /**
   * A gap while this side's ChangeCipherSpec was due (keys agreed and pending): the next record is also tried under
   * those keys from sequence number 0, in case the ChangeCipherSpec was lost in it. The gap, to count what it lost.
   */
  ccsGap: CaptureGap | null;
}

export const NO_BYTES = new Uint8Array(0);

export function newDirection(side: Side): Direction {
  return {
    side,
    buffer: new ByteQueue(),
    epoch: 'plaintext',
    protection: { state: 'none' },
    seq: 0,
    pending12: null,
    after0rtt: null,
    plaintextSeq: 0,
    opaqueSeq: 0,
    handshake: NO_BYTES,
    handshakeRoom: NO_BYTES,
    handshakeRecords: [],
    trafficSecret: null,
    generation: 0,
    undecrypted: null,
    resync: false,
    position: 0,
    damage: null,
    lost: null,
    shown: 0,
    queued: 0,
    ahead: null,
    dropped: 0,
    alternatives: [],
    tail: NO_BYTES,
    ivLost: null,
    ccsGap: null,
  };
}
