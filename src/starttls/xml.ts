// A tiny XML reader for the XMPP stream level: the stream header (an open tag that stays open) and one
// complete first-level element at a time. Works on latin1 text so that one character is one byte.
// Restricted XML per RFC 6120 11.1: no DTDs, no entities beyond the five predefined and character references.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export class XmlError extends Error {}

const NAME = /^[A-Za-z_][\w.:-]*/;

/** One character per byte, so that string offsets are byte offsets. */
function latin1(buf: Uint8Array): string {
  let s = '';
  for (let i = 0; i < buf.length; i += 8192) s += String.fromCharCode(...buf.subarray(i, i + 8192));
  return s;
}

function decodeText(latin1: string): string {
  const bytes = Uint8Array.from(latin1, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes).replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e];
  });
}

export function localName(name: string): string {
  const i = name.indexOf(':');
  return i < 0 ? name : name.slice(i + 1);
}

type Tag = { kind: 'open' | 'empty' | 'close'; name: string; attrs: Record<string, string>; end: number };

/** Parse the tag starting at s[at] === '<'. Null when incomplete. */
function readTag(s: string, at: number): Tag | null {
  // The first '>' outside quoted attribute values ends the tag; one pass, so a flood of quotes and '>' stays linear.
  let quote = '';
  let end = -1;
  for (let i = at + 1; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') {
      end = i;
      break;
    }
  }
  if (end < 0) return null;
  let body = s.slice(at + 1, end);
  if (body.startsWith('/')) {
    const m = NAME.exec(body.slice(1).trim());
    if (!m) throw new XmlError('malformed end tag');
    return { kind: 'close', name: m[0], attrs: {}, end: end + 1 };
  }
  const selfClosing = body.endsWith('/');
  if (selfClosing) body = body.slice(0, -1);
  const m = NAME.exec(body);
  if (!m) throw new XmlError(`malformed tag <${body.slice(0, 20)}`);
  const attrs: Record<string, string> = {};
  const re = /\s+([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
  let rest = body.slice(m[0].length);
  for (let a = re.exec(rest); a; a = re.exec(rest)) attrs[a[1]] = decodeText(a[2] ?? a[3]);
  rest = rest.replace(re, '');
  if (rest.trim()) throw new XmlError(`malformed attributes in <${m[0]}>`);
  return { kind: selfClosing ? 'empty' : 'open', name: m[0], attrs, end: end + 1 };
}

/** Skip whitespace, the XML declaration and comments. Returns the index of the next '<' or text, or null if incomplete. */
function skipProlog(s: string, at: number): number | null {
  for (;;) {
    while (at < s.length && /\s/.test(s[at])) at++;
    if (s.startsWith('<?', at)) {
      const e = s.indexOf('?>', at);
      if (e < 0) return null;
      at = e + 2;
    } else if (s.startsWith('<!--', at)) {
      const e = s.indexOf('-->', at);
      if (e < 0) return null;
      at = e + 3;
    } else if (s.startsWith('<!', at)) {
      throw new XmlError('DTDs and entity declarations are forbidden in XMPP (RFC 6120 11.1)');
    } else {
      if (at >= s.length || (s.length - at < 4 && '<!--'.startsWith(s.slice(at)))) return null;
      return at;
    }
  }
}

/** The stream header `<stream:stream ...>`; null when more bytes are needed. */
export function parseStreamHeader(buf: Uint8Array): { used: number; value: Tag } | null {
  const s = latin1(buf);
  const at = skipProlog(s, 0);
  if (at === null) return null;
  if (s[at] !== '<') throw new XmlError('text before the stream header');
  const tag = readTag(s, at);
  if (!tag) return null;
  if (tag.kind !== 'open' || localName(tag.name) !== 'stream') throw new XmlError(`expected the stream header, got <${tag.name}>`);
  return { used: tag.end, value: tag };
}

/** One complete first-level element (or the end of the stream); null when more bytes are needed. */
export function parseElement(buf: Uint8Array): { used: number; value: XmlElement | 'end-of-stream' } | null {
  const s = latin1(buf);
  let at = skipProlog(s, 0);
  if (at === null) return null;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (at < s.length) {
    if (s[at] !== '<') {
      const lt = s.indexOf('<', at);
      if (lt < 0) return null;
      if (!stack.length) throw new XmlError('text outside an element');
      stack[stack.length - 1].text += decodeText(s.slice(at, lt));
      at = lt;
      continue;
    }
    if (s.startsWith('<!--', at)) {
      const e = s.indexOf('-->', at);
      if (e < 0) return null;
      at = e + 3;
      continue;
    }
    if (s.startsWith('<!', at) || s.startsWith('<?', at)) throw new XmlError('DTDs and processing instructions are forbidden inside an XMPP stream');
    const tag = readTag(s, at);
    if (!tag) return null;
    at = tag.end;
    if (tag.kind === 'close') {
      if (!stack.length) {
        if (localName(tag.name) === 'stream') return { used: at, value: 'end-of-stream' };
        throw new XmlError(`unexpected </${tag.name}>`);
      }
      const top = stack.pop()!;
      if (top.name !== tag.name) throw new XmlError(`</${tag.name}> closes <${top.name}>`);
      if (!stack.length) return { used: at, value: top };
      continue;
    }
    const el: XmlElement = { name: tag.name, attrs: tag.attrs, children: [], text: '' };
    if (stack.length) stack[stack.length - 1].children.push(el);
    else root = el;
    if (tag.kind === 'empty') {
      if (!stack.length) return { used: at, value: el };
    } else {
      stack.push(el);
      if (stack.length > 32) throw new XmlError('elements nested too deeply');
    }
  }
  void root;
  return null;
}
