// The capture decoder's one door into the TLS engine: codecs, message decoders, record protectors and key
// derivations, so captured sessions are decoded exactly as live ones. (When the engine's files move, only the
// paths here change.)
export { decodeHandshake, type DecodedHandshake, type ClientHello, type ServerHello } from '../tls/messages/handshake.ts';
export { decodeHandshake12, handshakeName12, HT12, type Decoded12, type SignedForm } from '../tls/messages/tls12.ts';
export { findExtension, type Extension } from '../tls/messages/extensions.ts';
export { ExtensionType, HandshakeType, ProtocolVersion, groupName, schemeName, versionName } from '../tls/messages/constants.ts';
export { plaintextRecordFields, protectedRecordFields } from '../tls/record/record-fields.ts';
export { ContentType, RECORD_HEADER_LENGTH, contentTypeName, isKnownContentType, MAX_CIPHERTEXT_TLS12, MAX_PLAINTEXT } from '../tls/record/content-types.ts';
export { alertName } from '../tls/record/alerts.ts';
export type { RawRecord } from '../tls/record/framing.ts';
export { protectionJson } from '../tls/record/record-layer.ts';
export type { OpenedRecord, ProtectionDetails, RecordProtector, SealedRecord } from '../tls/record/protector.ts';
export { Tls13RecordProtector } from '../tls/record/tls13-protector.ts';
export { Tls12AeadProtector } from '../tls/record/tls12-aead-protector.ts';
export { Tls12CbcProtector } from '../tls/record/tls12-cbc-protector.ts';
export { macHeader, openCbcSteps, runAtOnce, runAwaiting, type CbcOpenCalls, type CbcRecordForm, type Step, type Steps } from '../tls/record/cbc-steps.ts';
export { suiteByCode, describeSuite, type Tls13Suite } from '../tls/suites.ts';
export { IANA_SUITE_NAMES } from '../tls/suite-names.generated.ts';
export { suite12ByCode, type Tls12Suite, type KeyExchange12 } from '../tls/suites12.ts';
export { hkdfExpandLabel } from '../crypto/hkdf.ts';
export { createAead } from '../crypto/aead.ts';
export { digest, hashLength } from '../crypto/hash.ts';
export { checkPeerCertificateVerify, leafKey, verifyPeerSignature } from '../tls/handshake/peer-signature.ts';
export { certificateVerifyContent } from '../tls/handshake/signatures.ts';
export { tlsFailure } from '../tls/errors.ts';
export { scheme12Algorithm } from '../tls/handshake12/signatures12.ts';
export { TrafficSecretUse13 } from '../tls/key-schedule/key-schedule13.ts';
export { MasterStage12 } from '../tls/key-schedule/key-schedule12.ts';
export { keyLogText } from '../tls/keylog.ts';
export type { CertificateVerifier, VerifyOutcome } from '../tls/verifier.ts';
export { revokedError, stapledVerdict } from '../tls/handshake/stapled-ocsp.ts';
