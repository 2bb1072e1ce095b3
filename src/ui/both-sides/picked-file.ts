// A file picked for the both-sides server, as the text its readers take (the worker gets text): PEM as it is, and
// DER, which `openssl x509 -outform DER` and `openssl pkey -outform DER` write, as what it stands for: a certificate
// (or PKCS#7 bundle) as its base64, which the certificate reader takes; a private key as the PEM block of its kind.
import { children, readHeader } from '../../x509/der.ts';
import { derKind, isPlainText, utf16Encoding } from '../../x509/input-shapes.ts';
import { base64Encode, derToPem } from '../../x509/pem.ts';

export function pickedFileText(bytes: Uint8Array, kind: 'certificates' | 'key'): string {
  const utf16 = utf16Encoding(bytes);
  if (utf16 || isPlainText(bytes)) return new TextDecoder(utf16 ?? 'utf-8').decode(bytes);
  if (kind === 'certificates') return base64Encode(bytes);
  const label = derKind(bytes) === 'private-key' ? keyLabel(bytes) : undefined;
  // Not a key's DER: its base64, which the key reader refuses in words ("no private key found ...").
  return label ? derToPem(bytes, label) : base64Encode(bytes);
}

/** A DER private key's PEM label, told by its second element: PKCS#8's AlgorithmIdentifier, SEC1's key, PKCS#1's modulus. */
function keyLabel(der: Uint8Array): string | undefined {
  try {
    const second = children(der, readHeader(der, 0, der.length))[1];
    if (second?.tag === 0x30) return 'PRIVATE KEY';
    if (second?.tag === 0x04) return 'EC PRIVATE KEY';
    if (second?.tag === 0x02) return 'RSA PRIVATE KEY';
  } catch {
    // Damaged DER: left to the key reader to refuse.
  }
  return undefined;
}
