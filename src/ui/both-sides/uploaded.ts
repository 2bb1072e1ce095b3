// A certificate the person brings for the both-sides server: a PEM chain (any order; the leaf is the certificate that
// issues none of the others) and its private key (PKCS#8, SEC1 or PKCS#1 PEM, alone or in the chain's file), read
// with the same readers as `tls-lens serve --cert --key`. Bad input is refused in plain words before any handshake.
import { readCertificateInput, pickLeaf, ChainInputError } from '../../x509/input.ts';
import { checkKeyMatchesCertificate, PrivateKeyError, readPrivateKeyPem } from '../../x509/private-key.ts';

export interface UploadedCertificate {
  /** DER, leaf first. */
  chain: Uint8Array[];
  /** PKCS#8 DER. */
  key: Uint8Array;
  /** e.g. "EC P-256". */
  keyDescription: string;
  /** The name our client asks for: the leaf's first DNS name (SAN), if any. */
  serverName?: string;
  /** What the client trusts for this run: the chain's last certificate in the file (its root, or the leaf itself when alone). */
  anchor: Uint8Array;
}

export class UploadError extends Error {
  readonly code = 'BAD_UPLOADED_CERTIFICATE';
}

export async function readUploadedCertificate(chainPem: string, keyPem: string): Promise<UploadedCertificate> {
  let certs;
  try {
    certs = readCertificateInput(chainPem, 'the certificate file').certificates;
  } catch (e) {
    if (e instanceof ChainInputError) throw new UploadError(`Your certificate cannot be used: ${sentence(e.message)}`);
    throw e;
  }
  const leafAt = pickLeaf(certs.map((c) => c.cert));
  const leaf = certs[leafAt];
  const rest = certs.filter((_, i) => i !== leafAt);
  let key;
  try {
    key = readPrivateKeyPem(keyPem.trim() ? keyPem : chainPem);
    await checkKeyMatchesCertificate(key, leaf.der);
  } catch (e) {
    if (e instanceof PrivateKeyError) throw new UploadError(`Your private key cannot be used: ${sentence(e.message)}`);
    throw e;
  }
  const dns = leaf.cert.subjectAltNames?.find((n) => n.type === 'dns');
  return {
    chain: [leaf.der, ...rest.map((c) => c.der)],
    key: key.pkcs8,
    keyDescription: key.description,
    // A wildcard name stands for any one label: ask for one it covers.
    ...(dns && dns.type === 'dns' ? { serverName: dns.value.replace(/^\*\./, 'www.') } : {}),
    anchor: (rest.at(-1) ?? leaf).der,
  };
}

/** A reason as the end of a sentence: one full stop. */
function sentence(reason: string): string {
  return reason.endsWith('.') ? reason : `${reason}.`;
}
