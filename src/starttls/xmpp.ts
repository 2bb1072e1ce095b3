// XMPP (RFC 6120 5): stream header, stream features, <starttls/>, <proceed/>; after TLS a new stream and its features.
import type { Dialogue } from './dialogue.ts';
import { printable } from './dialogue.ts';
import { StartTlsError } from './errors.ts';
import type { ProtocolHandler, StartTlsOptions } from './protocol.ts';
import { localName, parseElement, parseStreamHeader, XmlError, type XmlElement } from './xml.ts';

const TLS_NS = 'urn:ietf:params:xml:ns:xmpp-tls';

function xmlAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;');
}

async function guarded<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof XmlError) throw new StartTlsError('PROTOCOL_ERROR', `XMPP: ${e.message}`);
    throw e;
  }
}

async function readElement(d: Dialogue, what: string): Promise<XmlElement> {
  const { bytes, value } = await guarded(() => d.readUnit(parseElement, what, 0x3e));
  d.recordReceived(bytes, printable(bytes));
  if (value === 'end-of-stream') throw new StartTlsError('CLOSED', 'XMPP: the server closed the stream');
  if (localName(value.name) === 'error') {
    const condition = value.children.map((c) => localName(c.name)).join(', ');
    throw new StartTlsError('STARTTLS_REFUSED', `XMPP: stream error from the server: ${condition}`);
  }
  return value;
}

function featureList(features: XmlElement): string[] {
  return features.children.map((f) => {
    const name = localName(f.name);
    if (name === 'starttls') return f.children.some((c) => localName(c.name) === 'required') ? 'starttls (required)' : 'starttls';
    if (name === 'mechanisms') return `mechanisms: ${f.children.map((m) => m.text.trim()).join(' ')}`;
    return f.attrs.xmlns ? `${name} (${f.attrs.xmlns})` : name;
  });
}

/** Open a stream to the domain and read the server's header and stream features (null: a pre-1.0 stream has none). */
async function openStream(d: Dialogue, options: StartTlsOptions): Promise<XmlElement | null> {
  const domain = options.hostname ?? 'localhost';
  const header =
    `<?xml version='1.0'?><stream:stream to='${xmlAttr(domain)}' version='1.0' xml:lang='en' ` +
    `xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`;
  await d.sendBytes(new TextEncoder().encode(header), header, 'stream header');
  const { bytes, value } = await guarded(() => d.readUnit(parseStreamHeader, 'the server stream header', 0x3e));
  d.recordReceived(bytes, printable(bytes), 'stream header');
  if (value.attrs.version !== '1.0') {
    d.notAdvertised(`the server stream has version ${value.attrs.version ?? '(none)'}, so no stream features and no <starttls/>`);
    return null;
  }
  const features = await readElement(d, 'the stream features');
  if (localName(features.name) !== 'features') throw new StartTlsError('PROTOCOL_ERROR', `XMPP: expected <stream:features>, got <${features.name}>`);
  return features;
}

export const xmpp: ProtocolHandler = {
  id: 'xmpp',
  name: 'XMPP',
  defaultPort: 5222,
  rfc: 'RFC 6120 5',
  async negotiate(d, options) {
    const features = await openStream(d, options);
    const caps = features ? featureList(features) : [];
    const starttls = features?.children.find((c) => localName(c.name) === 'starttls' && (c.attrs.xmlns ?? TLS_NS) === TLS_NS);
    if (features && !starttls) d.notAdvertised('the stream features do not include <starttls/>');
    const cmd = `<starttls xmlns='${TLS_NS}'/>`;
    await d.sendStartTlsBytes(new TextEncoder().encode(cmd), cmd);
    const answer = await readElement(d, 'the answer to <starttls/>');
    const name = localName(answer.name);
    if (name === 'failure') throw new StartTlsError('STARTTLS_REFUSED', 'XMPP: the server answered <failure/> to <starttls/>');
    if (name !== 'proceed') throw new StartTlsError('PROTOCOL_ERROR', `XMPP: expected <proceed/>, got <${answer.name}>`);
    return { capabilitiesBefore: caps };
  },
  async afterTls(d, options) {
    // RFC 6120 5.4.3.3: both sides start a fresh stream over TLS; the new features no longer offer STARTTLS.
    const features = await openStream(d, options);
    return features ? featureList(features) : [];
  },
};
