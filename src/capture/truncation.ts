// Packets the capture cut short: a capture made with a small snapshot length (`tcpdump -s 96`) keeps only the first
// bytes of each packet, and its record header (pcap orig_len, pcapng EPB original length) says how long the packet
// really was. The bytes after each cut are not in the file: in a TCP stream they become gaps, and the reason is said
// once for the capture, once in each stream they cut, and in each gap they explain.

/** Packets cut short: how many, and the lengths the capture kept of them (the snapshot length, when all are alike). */
export interface Truncation {
  packets: number;
  /** The fewest and the most bytes kept of a cut packet: both the snapshot length when one interface cut them all. */
  shortest: number;
  longest: number;
}

/** The capture's account of its cut packets, as `pcap --json` and the page's import result give it. */
export interface CaptureTruncation {
  /** Packets whose captured length is less than their original length. */
  packets: number;
  /** The most bytes kept of a cut packet: the capture's snapshot length. */
  snapLength: number;
  /** The same in words. */
  message: string;
}

export function countTruncation(t: Truncation | null, captured: number): Truncation {
  if (!t) return { packets: 1, shortest: captured, longest: captured };
  t.packets++;
  t.shortest = Math.min(t.shortest, captured);
  t.longest = Math.max(t.longest, captured);
  return t;
}

function snapText(t: Truncation): string {
  return t.shortest === t.longest ? `${t.longest} bytes` : `${t.shortest} to ${t.longest} bytes`;
}

const packets = (n: number) => (n === 1 ? '1 packet was' : `${n} packets were`);

/** Said once for the whole capture. */
export function captureTruncation(t: Truncation): CaptureTruncation {
  const message =
    `${packets(t.packets)} cut to the capture's snapshot length (${snapText(t)}; tcpdump -s): the bytes after each cut are missing, ` +
    `so the TLS records they carried cannot be read whole, and each stream shows them as gaps. ` +
    `Capture again with a larger snapshot length (tcpdump -s 0 keeps whole packets) to see everything.`;
  return { packets: t.packets, snapLength: t.longest, message };
}

/** Said once in a stream whose packets were cut. */
export function streamTruncationNote(t: Truncation, missing: number): string {
  const n = t.packets === 1 ? "1 of this stream's packets was" : `${t.packets} of this stream's packets were`;
  return (
    `${n} cut to the capture's snapshot length (${snapText(t)}; tcpdump -s): the ${missing} bytes after the cuts are missing, ` +
    `so the records they carried are not whole, and each gap those bytes made says so`
  );
}

/** Why a gap's bytes are missing, when a cut packet explains some or all of them ('' when none does). */
export function gapCutText(bytes: number, cut: number | undefined): string {
  if (!cut) return '';
  if (cut >= bytes) return " (the packet that carried them was cut to the capture's snapshot length)";
  return ` (${cut} of them were cut off a packet by the capture's snapshot length; the rest were not captured)`;
}
