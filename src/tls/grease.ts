// RFC 8701 GREASE: reserved code points (0x0a0a, 0x1a1a, ... 0xfafa) clients send so that servers which choke on
// unknown values are found early. Named as such wherever code points are shown, and left out of fingerprints.

export function isGrease(value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && value >> 8 === (value & 0xff);
}

/** "GREASE (0x1a1a)". */
export function greaseName(value: number): string {
  return `GREASE (0x${value.toString(16).padStart(4, '0')})`;
}
