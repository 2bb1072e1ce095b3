// Hex pasted by a person: plain or spaced, 0x-prefixed, comma-separated, or a dump with offsets as xxd, hexdump -C
// and Wireshark's "copy as hex dump" write them (an offset column, then the bytes, then an ASCII column).

export class HexInputError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'HexInputError';
  }
}

const OFFSET = /^\s*(?:0x)?[0-9a-fA-F]{4,8}(?::\s*|\s{2,}|\s(?=[0-9a-fA-F]{2}\s))/;
const BYTES_PER_DUMP_LINE = 16;

/** The bytes in `text`. Throws HexInputError with the line number for anything that is not hex. */
export function parseHexInput(text: string): Uint8Array {
  const lines = text.split(/\r?\n/);
  // hexdump -C and od end with a line holding only the final offset.
  const lastOffsetOnly = /^\s*[0-9a-fA-F]{4,8}\s*$/;
  const filled = lines.filter((l) => l.trim() && !lastOffsetOnly.test(l));
  const dump = filled.length > 0 && filled.every((l) => OFFSET.test(l) && /\s/.test(l.trim()));
  const out: number[] = [];
  lines.forEach((raw, i) => {
    let line = raw.trim();
    if (!line) return;
    if (dump && lastOffsetOnly.test(line)) return;
    if (dump) {
      line = line.replace(OFFSET, '');
      // The ASCII column: between bars (hexdump -C), or after a wider gap than any between bytes (xxd and
      // Wireshark pad a short last line with spaces up to it): its text, "bc" or "12", would read as hex.
      line = /\|.*\|\s*$/.test(line) ? line.replace(/\|.*\|\s*$/, '') : line.split(/\s{3,}/)[0];
      const taken: number[] = [];
      for (const token of line.split(/\s+/)) {
        if (!/^(?:[0-9a-fA-F]{2})+$/.test(token) || taken.length >= BYTES_PER_DUMP_LINE) break;
        for (let j = 0; j < token.length; j += 2) taken.push(parseInt(token.slice(j, j + 2), 16));
      }
      out.push(...taken.slice(0, BYTES_PER_DUMP_LINE));
      return;
    }
    const cleaned = line.replace(/0x/gi, '').replace(/[\s,:;{}\[\]]+/g, '');
    const bad = /[^0-9a-fA-F]/.exec(cleaned);
    if (bad) throw new HexInputError(`line ${i + 1}: '${bad[0]}' is not a hex digit`, i + 1);
    if (cleaned.length % 2) throw new HexInputError(`line ${i + 1}: an odd number of hex digits (${cleaned.length})`, i + 1);
    for (let j = 0; j < cleaned.length; j += 2) out.push(parseInt(cleaned.slice(j, j + 2), 16));
  });
  if (out.length === 0) throw new HexInputError('no hex bytes found', 1);
  return Uint8Array.from(out);
}
