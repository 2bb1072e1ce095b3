// CertificateRequest extensions (RFC 8446 §4.3.2): unknown ones are ignored, known ones that do not belong are refused.
import { describe, expect, it } from 'vitest';
import { checkCertificateRequest } from '../../src/tls/handshake13/client-auth.ts';
import type { CertificateRequest } from '../../src/tls/messages/handshake.ts';

const sigalgs = { code: 13, schemes: [0x0403] };
const request = (extensions: CertificateRequest['extensions']): CertificateRequest => ({ type: 'certificate_request', context: new Uint8Array(0), extensions });

describe('checkCertificateRequest', () => {
  it('ignores an unknown (e.g. GREASE) extension', () => {
    expect(() => checkCertificateRequest(request([{ code: 0x0a0a, data: new Uint8Array(0) }, sigalgs]))).not.toThrow();
  });
  it('refuses a known extension that has no place in a CertificateRequest', () => {
    expect(() => checkCertificateRequest(request([{ code: 43, versions: [0x0304] }, sigalgs]))).toThrow(expect.objectContaining({ code: 'ILLEGAL_PARAMETER' }));
  });
  it('refuses a request without signature_algorithms', () => {
    expect(() => checkCertificateRequest(request([]))).toThrow(expect.objectContaining({ code: 'MISSING_EXTENSION' }));
  });
});
