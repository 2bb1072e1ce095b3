// The ASN.1 schema packages for reading PKCS#7 bundles, as a side bundle of the engine commands (scripts/build-cli.mjs,
// SIDE_REDIRECTS): src/x509/input.ts imports from here in those bundles, so connect and serve read a --ca or --cert file
// of PEM or DER without loading ~150 KB of schema classes they need only for a .p7b. Its own copy of asn1-schema, apart
// from the policy decoders' (cli/asn1-side.ts): the two never meet, as the bundle reader hands back plain bytes.
export { AsnConvert } from '@peculiar/asn1-schema';
export { ContentInfo, SignedData, id_signedData } from '@peculiar/asn1-cms';
