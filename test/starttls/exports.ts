// Re-exports used by the tests.
export { starttlsTranscript } from '../../src/starttls/index.ts';
export { STARTTLS_OID as STARTTLS_OID_FOR_TESTS } from '../../src/starttls/ldap.ts';
