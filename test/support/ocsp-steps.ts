// The checks of a stapled OCSP response, in the order the verifier makes them (src/x509/ocsp.ts), as the tests of
// each reader (live client, lab, capture, x509) expect them: [check, ok] pairs.

export const OCSP_CHECKS = ['ocspResponse', 'ocspResponder', 'ocspSignature', 'ocspCertId', 'ocspValidity', 'ocspStatus'] as const;
export type OcspCheck = (typeof OCSP_CHECKS)[number];

/** Every check passing; with `failing`, the checks before it passing and it failing, the last one made. */
export function ocspSteps(failing?: OcspCheck): [OcspCheck, boolean][] {
  const end = failing ? OCSP_CHECKS.indexOf(failing) : OCSP_CHECKS.length - 1;
  return OCSP_CHECKS.slice(0, end + 1).map((check, i) => [check, !failing || i < end]);
}
