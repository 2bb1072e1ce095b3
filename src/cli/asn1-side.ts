// The ASN.1 schema packages as one side bundle of the engine commands (scripts/build-cli.mjs, SIDE_REDIRECTS): the
// chain check's policy and CRL decoders (src/x509/policy.ts, crl.ts) import them from here in those bundles, so a
// certificate without policies or CRL times never loads or sets up their ~130 KB of schema classes. Both packages
// whole, in one bundle: their classes register in asn1-schema's storage, which must be the one that parses them.
export * from '@peculiar/asn1-schema';
export * from '@peculiar/asn1-x509';
