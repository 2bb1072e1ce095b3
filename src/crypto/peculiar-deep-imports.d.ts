// Types for the single modules of @peculiar packages that src/crypto imports by path instead of through the
// package's index: asn1-rsa's index also evaluates its algorithm tables and the RSA-PSS and RSA-OAEP default
// parameter objects, which a verifier reading an RSA public key never uses (about a tenth of the CLI's load time).
declare module '@peculiar/asn1-rsa/build/es2015/rsa_public_key.js' {
  export { RSAPublicKey } from '@peculiar/asn1-rsa';
}
