// Hex pasted by a person: plain or spaced, 0x-prefixed, comma-separated, a C array (`char peer0_0[] = { 0x16, ... };`,
// as Wireshark's "Follow TCP Stream" shows one), or a dump with offsets as xxd, hexdump -C and Wireshark's "copy as hex
// dump" write them (an offset column, then the bytes, then an ASCII column). What cannot be read is said with its line
// and column, and the bytes read before it are kept.

export class HexInputError extends Error {
  constructor(
    message: string,
    readonly line: number,
    /** 1-based column (in characters) of the problem on its line. */
    readonly column = 1,
  ) {
    super(message);
    this.name = 'HexInputError';
  }
}

/** The bytes read, and, when reading stopped early, why and where: `bytes` are those before the problem. */
export interface HexReading {
  bytes: Uint8Array;
  problem?: HexInputError;
}

const OFFSET = /^\s*(?:0x)?([0-9a-fA-F]{4,8})(?::\s*|\s{2,}|\s(?=[0-9a-fA-F]{2}\s))/;
const DEFAULT_BYTES_PER_DUMP_LINE = 16;
/** hexdump -C and od end with a line holding only the final offset. */
const LAST_OFFSET_ONLY = /^\s*[0-9a-fA-F]{4,8}\s*$/;
/** A repeat marker (hexdump -C's "*": the line before repeats up to the next offset) fills at most this much. */
const MAX_REPEAT = 16 * 1024 * 1024;
/** Spaces a web page or an editor slips in: no-break, zero-width, byte order mark. */
const INVISIBLE = /[\u00a0\u1680\u2000-\u200d\u202f\u205f\u2060\u3000\ufeff]/g;
/** A C array's declaration and comments (`char peer0_0[] = { /* Packet 4 *\/`), ended by its `};`. */
const C_DECLARATION = /^\s*(?:(?:static|const|unsigned|signed|uint8_t|u_char|u8|char|byte|int)\s+)+[A-Za-z_]\w*\s*\[\s*\d*\s*\]\s*=\s*/;

/** Bytes gathered in growing room: a paste of megabytes is not a JS array of numbers. */
class Bytes {
  private buf = new Uint8Array(1024);
  length = 0;
  push(b: number): void {
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = b;
  }
  slice(from: number, to: number): Uint8Array {
    return this.buf.slice(from, to);
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const hexValue = (c: number) => (c <= 57 ? c - 48 : (c | 0x20) - 87);

/** A character named so that a look-alike ('О', '０') or an invisible one shows what it is. */
function named(ch: string): string {
  const code = ch.codePointAt(0)!;
  if (code >= 0x21 && code <= 0x7e) return `'${ch}'`;
  const hex = code.toString(16).toUpperCase().padStart(4, '0');
  return code > 0x20 && code !== 0x7f ? `'${ch}' (U+${hex})` : `the character U+${hex}`;
}

/**
 * Read the hex tokens of `line` (already stripped of offsets and ASCII columns) from `from`: tokens are separated
 * by spaces, commas, colons, semicolons, braces or brackets; "0x" may lead a token. A token holds whole bytes (an even
 * number of digits; after "0x", one digit is a byte too). Stops after `limit` bytes. Returns a problem or undefined.
 */
function readTokens(line: string, from: number, to: number, lineNo: number, out: Bytes, limit = Infinity): { problem?: HexInputError; taken: number; stoppedAt: number } {
  let taken = 0;
  let p = from;
  while (p < to) {
    const c = line.charCodeAt(p);
    if (c === 32 || c === 9 || c === 44 || c === 58 || c === 59 || c === 123 || c === 125 || c === 91 || c === 93) {
      p++;
      continue;
    }
    if (taken >= limit) return { taken, stoppedAt: p };
    const start = p;
    let prefixed = false;
    if (c === 48 && (line.charCodeAt(p + 1) | 0x20) === 120 && isHex(line.charCodeAt(p + 2))) {
      prefixed = true;
      p += 2;
    }
    const digits = p;
    while (p < to && isHex(line.charCodeAt(p))) p++;
    const n = p - digits;
    const next = p < to ? line.charCodeAt(p) : 32;
    const separated = next === 32 || next === 9 || next === 44 || next === 58 || next === 59 || next === 123 || next === 125 || next === 91 || next === 93;
    if (!separated) {
      // The whole bytes before the bad character are kept (a long run of hex pasted on one line loses nothing before it).
      for (let j = digits; j + 1 < p; j += 2) {
        out.push(hexValue(line.charCodeAt(j)) * 16 + hexValue(line.charCodeAt(j + 1)));
        taken++;
      }
      const ch = String.fromCodePoint(line.codePointAt(p)!);
      return { problem: new HexInputError(`line ${lineNo}, column ${p + 1}: ${named(ch)} is not a hex digit`, lineNo, p + 1), taken, stoppedAt: p };
    }
    if (prefixed && n === 1) {
      out.push(hexValue(line.charCodeAt(digits)));
      taken++;
      continue;
    }
    if (n % 2) {
      return { problem: new HexInputError(`line ${lineNo}, column ${start + 1}: "${line.slice(start, p)}" has an odd number of hex digits (${n}): a digit is missing or one too many`, lineNo, start + 1), taken, stoppedAt: start };
    }
    for (let j = digits; j < p; j += 2) {
      out.push(hexValue(line.charCodeAt(j)) * 16 + hexValue(line.charCodeAt(j + 1)));
      taken++;
    }
  }
  return { taken, stoppedAt: p };
}

/** The bytes in `text`, as far as they can be read; never throws. */
export function readHexInput(text: string): HexReading {
  const lines = text.replace(INVISIBLE, ' ').split(/\r\n|\r|\n/);
  const filled = lines.filter((l) => l.trim() && !LAST_OFFSET_ONLY.test(l) && l.trim() !== '*');
  // A dump: its first line has an offset column, and either that line is no plain hex (it has an ASCII column) or
  // half the lines have offsets too. A damaged line among them is then named, not the whole paste taken for plain
  // hex, which would read every offset as bytes.
  const withOffset = filled.filter((l) => OFFSET.test(l) && /\s/.test(l.trim())).length;
  const first = filled[0] ?? '';
  const firstIsPlain = () => !readTokens(first, 0, first.trimEnd().length, 1, new Bytes()).problem;
  const dump = OFFSET.test(first) && /\s/.test(first.trim()) && (withOffset * 2 >= filled.length || !firstIsPlain());
  return dump ? readDump(lines) : readPlain(lines);
}

/** `line` with its C comments blanked out, in one pass (a regex would rescan after each unclosed "/*"). */
function withoutComments(line: string): string {
  let out = '';
  let p = 0;
  for (;;) {
    const slash = line.indexOf('/', p);
    if (slash < 0 || slash + 1 >= line.length) return out + line.slice(p);
    const next = line[slash + 1];
    if (next !== '*' && next !== '/') {
      out += line.slice(p, slash + 1);
      p = slash + 1;
      continue;
    }
    const close = next === '*' ? line.indexOf('*/', slash + 2) : -1;
    const end = close < 0 ? line.length : close + 2;
    out += line.slice(p, slash) + ' '.repeat(end - slash);
    p = end;
  }
}

function readPlain(lines: string[]): HexReading {
  const out = new Bytes();
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    let from = 0;
    // A C array: its declaration and comments are not bytes (the same length of spaces keeps columns true).
    const decl = C_DECLARATION.exec(line);
    if (decl) from = decl[0].length;
    if (line.includes('/')) line = withoutComments(line);
    const r = readTokens(line, from, line.replace(/\s+$/, '').length, i + 1, out);
    if (r.problem) return { bytes: out.done(), problem: r.problem };
  }
  if (out.length === 0) return { bytes: out.done(), problem: new HexInputError('no hex bytes found', 1) };
  return { bytes: out.done() };
}

/**
 * How many bytes a dump line holds, told by its own ASCII column: the split after which the rest of the line is the
 * rendering of the bytes before it (printable ASCII as is, anything else "."; bars and spaces aside). Undefined when
 * no split fits (the line or its column is damaged, or it has none), or the line is too long to try.
 */
function bytesByAsciiColumn(raw: string, bodyStart: number): number | undefined {
  if (raw.length > 4096) return undefined;
  const re = /\S+/g;
  re.lastIndex = bodyStart;
  const bytes: number[] = [];
  let m: RegExpExecArray | null;
  let ascii = '';
  let left = raw.slice(bodyStart).replace(/\s+/g, '').length;
  while ((m = re.exec(raw))) {
    const token = m[0];
    // The rest of the line from this token on, as an ASCII column would be written (spaces and bars aside); its
    // length is compared first, so a line is compared in full once at most.
    const column = ascii.replace(/\s+/g, '');
    if (bytes.length && (left === column.length || left === column.length + 2)) {
      const rest = raw.slice(m.index).replace(/\s+/g, '');
      if (rest === column || rest === `|${column}|`) return bytes.length;
    }
    left -= token.length;
    if (!/^(?:[0-9a-fA-F]{2})+$/.test(token)) return undefined;
    for (let j = 0; j < token.length; j += 2) {
      const b = parseInt(token.slice(j, j + 2), 16);
      bytes.push(b);
      ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    }
    if (bytes.length > 256) return undefined;
  }
  return undefined;
}

/** Where a hexdump -C style "|ASCII|" column starts on a dump line, or -1: a bar after whitespace, only hex before it. */
function barColumn(raw: string, bodyStart: number, bodyEnd: number): number {
  const bar = raw.indexOf('|', bodyStart);
  return bar > bodyStart && bar < bodyEnd && /\s/.test(raw[bar - 1]) && /^[\s0-9a-fA-F]*$/.test(raw.slice(bodyStart, bar)) ? bar : -1;
}

/**
 * Bytes per dump line (xxd -c 32 writes 32): the most any line holds by its own ASCII column; without one anywhere,
 * the most any line holds before a gap of two spaces or more (or hexdump's bar). Damage only makes a line's count
 * unknown or shorter, so neither a short last line nor a damaged one can make the lines before it give up bytes.
 */
function bytesPerLine(lines: string[]): number {
  let checked = 0;
  let most = 0;
  for (const raw of lines) {
    const m = OFFSET.exec(raw);
    if (!m) continue;
    const bodyStart = m[0].length;
    checked = Math.max(checked, bytesByAsciiColumn(raw, bodyStart) ?? 0);
    const gap = /\s{2,}/g;
    gap.lastIndex = bodyStart;
    let end = gap.exec(raw)?.index ?? raw.length;
    const bar = barColumn(raw, bodyStart, raw.length);
    if (bar >= 0 && bar < end) end = bar;
    let n = 0;
    for (const token of raw.slice(bodyStart, end).split(/\s+/)) {
      if (!/^(?:[0-9a-fA-F]{2})+$/.test(token)) break;
      n += token.length / 2;
    }
    most = Math.max(most, n);
  }
  const width = checked || most;
  return width > 0 && width <= 256 ? width : DEFAULT_BYTES_PER_DUMP_LINE;
}

function readDump(lines: string[]): HexReading {
  const out = new Bytes();
  // Offsets count from the first line's (xxd -s starts later) and start again at 0 (several dumps pasted in a row).
  let base = 0;
  let baseOffset: number | undefined;
  const perLine = bytesPerLine(lines);
  let previous: { offset: number; start: number; end: number } | undefined;
  let repeat = false;
  const stop = (problem: HexInputError) => ({ bytes: out.done(), problem });
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const lineNo = i + 1;
    const trimmed = raw.trim();
    if (!trimmed) continue;
    if (trimmed === '*') {
      if (!previous) return stop(new HexInputError(`line ${lineNo}, column ${raw.indexOf('*') + 1}: a repeat mark "*" with no line before it to repeat`, lineNo, raw.indexOf('*') + 1));
      repeat = true;
      continue;
    }
    const m = OFFSET.exec(raw);
    const lastOnly = LAST_OFFSET_ONLY.test(raw);
    if (!m && !lastOnly) {
      const col = raw.search(/\S/) + 1;
      return stop(new HexInputError(`line ${lineNo}, column ${col}: this line of the dump has no offset column (like "00000010:" or "0010  "): it is damaged`, lineNo, col));
    }
    const offset = parseInt((m ? m[1] : trimmed).replace(/^0x/i, ''), 16);
    if (baseOffset === undefined || (offset === 0 && out.length > base)) {
      base = out.length;
      baseOffset = offset;
    }
    const expected = baseOffset + (out.length - base);
    if (repeat && previous && offset > expected) {
      // hexdump -C: the line before "*" repeats up to this offset.
      const fill = offset - expected;
      const size = previous.end - previous.start;
      if (fill > MAX_REPEAT || size === 0 || fill % size) return stop(new HexInputError(`line ${lineNo}, column 1: the repeat before offset ${m ? m[1] : trimmed} does not fill a whole number of lines`, lineNo, 1));
      const row = out.slice(previous.start, previous.end);
      for (let k = 0; k < fill; k++) out.push(row[k % size]);
    }
    repeat = false;
    const at = baseOffset + (out.length - base);
    if (offset !== at) {
      const col = raw.search(/\S/) + 1;
      return stop(new HexInputError(`line ${lineNo}, column ${col}: the offset ${m ? m[1] : trimmed} does not follow the bytes before it (${at.toString(16).padStart(4, '0')} expected): a line is missing or its offset is damaged`, lineNo, col));
    }
    if (lastOnly) continue;
    const bodyStart = m![0].length;
    // The ASCII column: between bars (hexdump -C), or after a wider gap than any between bytes (xxd and Wireshark pad
    // a short last line with spaces up to it): its text, "bc" or "12", would read as hex.
    // An xxd ASCII column may hold "|" too: a bar starts the column only after whitespace and nothing but hex before it.
    let bodyEnd = raw.length;
    const gap = /\S\s{3,}/g;
    gap.lastIndex = bodyStart;
    const g = gap.exec(raw);
    if (g) bodyEnd = g.index + 1;
    const bar = barColumn(raw, bodyStart, bodyEnd);
    if (bar >= 0) bodyEnd = bar;
    const start = out.length;
    // A line whose ASCII column checks out says itself where its bytes end (its column may look like hex: "bc", "12").
    const own = bytesByAsciiColumn(raw, bodyStart);
    const r = readTokens(raw, bodyStart, bodyEnd, lineNo, out, own ?? perLine);
    // Past a full line's bytes comes its ASCII column, whatever it holds.
    if (r.problem) return stop(r.problem);
    previous = { offset, start, end: out.length };
  }
  if (repeat) {
    const lineNo = lines.length - (lines[lines.length - 1].trim() ? 0 : 1);
    return stop(new HexInputError(`line ${lineNo}, column 1: the dump ends after a repeat mark "*", without the offset that says how far it repeats`, lineNo, 1));
  }
  if (out.length === 0) return stop(new HexInputError('no hex bytes found', 1));
  return { bytes: out.done() };
}

/** The bytes in `text`. Throws HexInputError with the line and column for anything that is not hex. */
export function parseHexInput(text: string): Uint8Array {
  const r = readHexInput(text);
  if (r.problem) throw r.problem;
  return r.bytes;
}
