// The failure table: every code that ends with an alert of ours names a real alert, the alert a failure sends
// comes from the table (not from the wording of its code), and received alerts get their own codes.
import { describe, expect, it } from 'vitest';
import { CERTIFICATE_ALERTS, ENGINE_FAILURES } from '../../src/tls/failures.ts';
import { TlsAlertError, certificateFailure, receivedAlertCode, tlsFailure } from '../../src/tls/errors.ts';
import { AlertDescription } from '../../src/tls/record/alerts.ts';

describe('failure table', () => {
  it('every alerting engine code names a registered alert, and tlsFailure sends exactly that one', () => {
    const alerting = Object.entries(ENGINE_FAILURES).filter(([, info]) => info.alert !== null);
    expect(alerting.length).toBeGreaterThan(20);
    for (const [code, info] of alerting) {
      const err = tlsFailure(code as Parameters<typeof tlsFailure>[0], 'x');
      expect(err).toBeInstanceOf(TlsAlertError);
      expect(err.code).toBe(code);
      expect(err.alert, code).toBe(AlertDescription[info.alert as keyof typeof AlertDescription]);
    }
  });

  it('codes whose wording does not name their alert still get the right one', () => {
    expect(tlsFailure('DOWNGRADE_DETECTED', 'x').alertName).toBe('illegal_parameter');
    expect(tlsFailure('INSECURE_RENEGOTIATION', 'x').alertName).toBe('handshake_failure');
    expect(tlsFailure('WEAK_DH_GROUP', 'x').alertName).toBe('insufficient_security');
    expect(tlsFailure('SEQUENCE_OVERFLOW', 'x').alertName).toBe('internal_error');
    expect(tlsFailure('EMPTY_RECORD', 'x').alertName).toBe('unexpected_message');
  });

  it('certificate failures: the most specific alert, the code kept; a code no table knows is a verifier error', () => {
    expect(certificateFailure('EXPIRED', 'x')).toMatchObject({ code: 'EXPIRED', alertName: 'certificate_expired' });
    expect(certificateFailure('NOT_YET_VALID', 'x')).toMatchObject({ code: 'NOT_YET_VALID', alertName: 'certificate_expired' });
    expect(certificateFailure('REVOKED', 'x')).toMatchObject({ code: 'REVOKED', alertName: 'certificate_revoked' });
    for (const code of ['UNKNOWN_ISSUER', 'SELF_SIGNED_LEAF', 'UNTRUSTED_ROOT', 'NO_TRUST_STORE']) expect(certificateFailure(code, 'x').alertName, code).toBe('unknown_ca');
    expect(certificateFailure('HOSTNAME_MISMATCH', 'x')).toMatchObject({ code: 'HOSTNAME_MISMATCH', alertName: 'bad_certificate' });
    expect(certificateFailure('SOMETHING_NEW', 'x')).toMatchObject({ code: 'CERT_VERIFIER_ERROR', alertName: 'bad_certificate' });
    for (const alert of Object.values(CERTIFICATE_ALERTS)) expect(AlertDescription[alert]).toBeTypeOf('number');
  });

  it('a received alert is coded by its name; one with no name is ALERT_RECEIVED', () => {
    expect(receivedAlertCode(40)).toBe('HANDSHAKE_FAILURE');
    expect(receivedAlertCode(116)).toBe('CERTIFICATE_REQUIRED');
    expect(receivedAlertCode(201)).toBe('ALERT_RECEIVED');
  });
});
