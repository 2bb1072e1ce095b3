// The ASN.1 schema packages as a side bundle of the engine commands (scripts/build-cli.mjs, SIDE_REDIRECTS): the
// chain check's policy and CRL decoders (src/x509/policy.ts, crl.ts) and the stapled OCSP response's reader
// (src/x509/ocsp.ts) import from here in those bundles, so a chain without policies, CRL times or a staple never
// loads or sets up their schema classes. One bundle for both
// packages: the classes register in asn1-schema's storage, which must be the one that parses them. Only the names
// those decoders use (each is a getter the bundle sets up at every start); the build fails if they use another.
export { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
export { CertificatePolicies, PolicyMappings, Time } from '@peculiar/asn1-x509';
export { OCSPResponse, ResponseData } from '@peculiar/asn1-ocsp';
