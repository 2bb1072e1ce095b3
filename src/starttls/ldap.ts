// LDAP (RFC 4511, StartTLS: RFC 4513 3 / RFC 4511 4.14): read the root DSE, then the StartTLS extended
// operation (OID 1.3.6.1.4.1.1466.20037); resultCode success is the go-ahead. BER encoded by hand.
import type { Dialogue } from './dialogue.ts';
import { ber, berDecode, berHeader, berInteger, berString, type BerNode } from './ber.ts';
import { StartTlsError } from './errors.ts';
import type { PlaintextCodec, ProtocolHandler } from './protocol.ts';

export const STARTTLS_OID = '1.3.6.1.4.1.1466.20037';
const NOTICE_OF_DISCONNECTION = '1.3.6.1.4.1.1466.20036';

const RESULT_CODES: Record<number, string> = {
  0: 'success', 1: 'operationsError', 2: 'protocolError', 3: 'timeLimitExceeded', 4: 'sizeLimitExceeded',
  7: 'authMethodNotSupported', 8: 'strongerAuthRequired', 12: 'unavailableCriticalExtension', 13: 'confidentialityRequired',
  32: 'noSuchObject', 48: 'inappropriateAuthentication', 49: 'invalidCredentials', 50: 'insufficientAccessRights',
  51: 'busy', 52: 'unavailable', 53: 'unwillingToPerform', 80: 'other',
};

const OPS: Record<number, string> = {
  3: 'SearchRequest', 4: 'SearchResultEntry', 5: 'SearchResultDone', 19: 'SearchResultReference', 23: 'ExtendedRequest', 24: 'ExtendedResponse', 25: 'IntermediateResponse',
};

const ROOT_DSE_ATTRIBUTES = ['supportedExtension', 'supportedSASLMechanisms', 'supportedLDAPVersion', 'supportedControl', 'supportedFeatures'];

export function searchRootDse(messageId: number): Uint8Array {
  return ber.sequence(
    ber.integer(messageId),
    ber.constructed(
      0x63, // [APPLICATION 3] SearchRequest
      ber.octets(''), // baseObject: the root DSE
      ber.enumerated(0), // scope: baseObject
      ber.enumerated(0), // derefAliases: never
      ber.integer(0),
      ber.integer(0),
      ber.boolean(false),
      ber.octets('objectClass', 0x87), // filter: present [7] objectClass
      ber.sequence(...ROOT_DSE_ATTRIBUTES.map((a) => ber.octets(a))),
    ),
  );
}

export function startTlsRequest(messageId: number): Uint8Array {
  // ExtendedRequest ::= [APPLICATION 23] SEQUENCE { requestName [0] LDAPOID }
  return ber.sequence(ber.integer(messageId), ber.constructed(0x77, ber.octets(STARTTLS_OID, 0x80)));
}

/** Render a decoded LDAP message as indented text for the trace. */
export function describeLdap(node: BerNode, depth = 0): string {
  const pad = '  '.repeat(depth);
  let label: string;
  if (node.cls === 'application') label = `[APPLICATION ${node.tag}] ${OPS[node.tag] ?? ''}`.trim();
  else if (node.cls === 'context') label = `[${node.tag}]`;
  else label = ({ 1: 'BOOLEAN', 2: 'INTEGER', 4: 'OCTET STRING', 10: 'ENUMERATED', 16: 'SEQUENCE', 17: 'SET' } as Record<number, string>)[node.tag] ?? `UNIVERSAL ${node.tag}`;
  if (node.children) return [pad + label, ...node.children.map((c) => describeLdap(c, depth + 1))].join('\n');
  let value: string;
  if (node.cls === 'universal' && (node.tag === 2 || node.tag === 10)) value = String(berInteger(node));
  else if (node.cls === 'universal' && node.tag === 1) value = node.value[0] ? 'TRUE' : 'FALSE';
  else value = JSON.stringify(berString(node));
  return `${pad}${label} ${value}`;
}

/** The first line of an LDAPMessage's description: its id, operation and, for results, the result code. */
function headline(message: BerNode): string {
  const [idNode, op] = message.children ?? [];
  const parts = [`LDAPMessage messageID=${idNode ? berInteger(idNode) : '?'}`];
  if (op?.cls === 'application') {
    const args = op.children ?? [];
    if (op.tag === 3 && args[0] && berString(args[0]) === '' && args[1] && berInteger(args[1]) === 0) parts.push('SearchRequest for the root DSE');
    else if (op.tag === 23) {
      const name = args.find((c) => c.cls === 'context' && c.tag === 0);
      const oid = name ? berString(name) : '';
      parts.push(oid === STARTTLS_OID ? `ExtendedRequest StartTLS (${STARTTLS_OID})` : `ExtendedRequest ${oid}`.trim());
    } else {
      if (OPS[op.tag]) parts.push(OPS[op.tag]);
      if ((op.tag === 5 || op.tag === 24) && args.length >= 3) {
        const code = berInteger(args[0]);
        parts.push(`resultCode ${code} (${RESULT_CODES[code] ?? 'unknown'})`);
      }
    }
  }
  return parts.join(' ');
}

/** An LDAPMessage in words: a headline, then the BER tree. */
export function describeLdapMessage(message: BerNode): string {
  return `${headline(message)}\n${describeLdap(message)}`;
}

/** LDAP's plaintext units are LDAPMessages, the same each way; the go-ahead is a successful StartTLS ExtendedResponse. */
export const ldapCodec: PlaintextCodec = {
  unitLength(_side, buf) {
    try {
      const h = berHeader(buf);
      return h && buf.length >= h.headerLength + h.length ? h.headerLength + h.length : null;
    } catch {
      return null;
    }
  },
  describe(_side, unit) {
    try {
      return { text: describeLdapMessage(berDecode(unit)[0]) };
    } catch (e) {
      return { text: `${unit.length} bytes that are not an LDAPMessage: ${(e as Error).message}` };
    }
  },
  switchesToTls(side, unit) {
    if (side !== 'server') return false;
    try {
      const op = berDecode(unit)[0].children?.[1];
      return op?.cls === 'application' && op.tag === 24 && !!op.children?.[0] && berInteger(op.children[0]) === 0;
    } catch {
      return false;
    }
  },
};

/** One complete LDAPMessage from the front of the buffer. */
function parseMessage(buf: Uint8Array): { used: number; value: BerNode } | null {
  let h;
  try {
    h = berHeader(buf);
  } catch (e) {
    throw new StartTlsError('PROTOCOL_ERROR', `LDAP: ${(e as Error).message}`);
  }
  if (!h || buf.length < h.headerLength + h.length) return null;
  try {
    const [node] = berDecode(buf, 0, h.headerLength + h.length);
    if (node.id !== 0x30 || !node.children || node.children.length < 2) throw new Error('an LDAPMessage is a SEQUENCE of messageID and protocolOp');
    return { used: node.end, value: node };
  } catch (e) {
    throw new StartTlsError('PROTOCOL_ERROR', `LDAP: malformed message: ${(e as Error).message}`);
  }
}

interface LdapResult {
  messageId: number;
  op: BerNode;
  resultCode?: number;
  diagnostic?: string;
  responseName?: string;
}

async function readMessage(d: Dialogue, what: string): Promise<LdapResult> {
  const { bytes, value } = await d.readUnit(parseMessage, what);
  const messageId = berInteger(value.children![0]);
  const op = value.children![1];
  const r: LdapResult = { messageId, op };
  if (op.cls === 'application' && (op.tag === 5 || op.tag === 24) && op.children && op.children.length >= 3) {
    r.resultCode = berInteger(op.children[0]);
    r.diagnostic = berString(op.children[2]);
    const name = op.children.find((c) => c.cls === 'context' && c.tag === 10);
    if (name) r.responseName = berString(name);
  }
  d.recordReceived(bytes, describeLdapMessage(value));
  if (messageId === 0 && r.responseName === NOTICE_OF_DISCONNECTION) {
    throw new StartTlsError('CLOSED', `LDAP: the server sent a Notice of Disconnection: ${r.diagnostic ?? ''}`);
  }
  return r;
}

/** Search the root DSE; returns "attribute: value" strings, or null when the server does not let us read it. */
async function readRootDse(d: Dialogue, messageId: number): Promise<string[] | null> {
  const req = searchRootDse(messageId);
  const [node] = berDecode(req);
  await d.sendBytes(req, describeLdapMessage(node));
  const caps: string[] = [];
  for (let n = 0; n < 100; n++) {
    const m = await readMessage(d, 'the root DSE search result');
    if (m.messageId !== messageId) throw new StartTlsError('PROTOCOL_ERROR', `LDAP: reply for message ${m.messageId}, expected ${messageId}`);
    if (m.op.tag === 4 && m.op.children && m.op.children[1]?.children) {
      for (const attr of m.op.children[1].children) {
        const [type, vals] = attr.children ?? [];
        if (type && vals?.children) for (const v of vals.children) caps.push(`${berString(type)}: ${berString(v)}`);
      }
    } else if (m.op.tag === 5) {
      return m.resultCode === 0 ? caps : null;
    }
  }
  throw new StartTlsError('PROTOCOL_ERROR', 'LDAP: the root DSE search returned too many messages');
}

export const ldap: ProtocolHandler = {
  id: 'ldap',
  name: 'LDAP',
  defaultPort: 389,
  rfc: 'RFC 4511 4.14, RFC 4513',
  async negotiate(d) {
    const caps = await readRootDse(d, 1);
    if (caps === null) d.note('the root DSE could not be read; sending StartTLS anyway');
    else if (caps.some((c) => c.startsWith('supportedExtension:')) && !caps.includes(`supportedExtension: ${STARTTLS_OID}`)) {
      d.notAdvertised(`the root DSE does not list the StartTLS extension ${STARTTLS_OID}`);
    }
    const req = startTlsRequest(2);
    const [node] = berDecode(req);
    await d.sendStartTlsBytes(req, describeLdapMessage(node));
    const m = await readMessage(d, 'the StartTLS response');
    if (m.messageId !== 2 || m.op.tag !== 24 || m.resultCode === undefined) {
      throw new StartTlsError('PROTOCOL_ERROR', 'LDAP: expected the ExtendedResponse to StartTLS');
    }
    if (m.resultCode !== 0) {
      throw new StartTlsError('STARTTLS_REFUSED', `LDAP: StartTLS refused: resultCode ${m.resultCode} (${RESULT_CODES[m.resultCode] ?? 'unknown'}) ${m.diagnostic ?? ''}`.trim());
    }
    return { capabilitiesBefore: caps ?? [] };
  },
  async afterTls(d) {
    return (await readRootDse(d, 3)) ?? [];
  },
};
