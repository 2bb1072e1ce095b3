// Values that prove a check was made, as rustls' HandshakeSignatureValid / FinishedMessageVerified: the states
// that reach application data must hand them on, so a path that skips a check does not type-check. Only the
// functions that make the checks create them (the private brand makes them impossible to fake by shape).

/** The peer's handshake signature verified (TLS 1.3 CertificateVerify, TLS 1.2 ServerKeyExchange or, with static
 * RSA, the peer's Finished over the premaster secret only it could decrypt). */
export class HandshakeSignatureValid {
  readonly #proof = 'signature';
  private constructor() {}
  /** For the signature checks (handshake/peer-signature.ts) only. */
  static assertion(): HandshakeSignatureValid {
    return new HandshakeSignatureValid();
  }
}

/** A resumed handshake: the peer proved itself with the session's secret instead of a signature. */
export class ResumptionKeyProven {
  readonly #proof = 'resumption';
  private constructor() {}
  static assertion(): ResumptionKeyProven {
    return new ResumptionKeyProven();
  }
}

/** Static RSA key transport (TLS 1.2): the peer's Finished could only be made by decrypting our premaster secret
 * with the certificate's key, so a verified Finished proves the key. */
export class KeyTransportProven {
  readonly #proof = 'key-transport';
  private constructor() {}
  static assertion(): KeyTransportProven {
    return new KeyTransportProven();
  }
}

/** The peer's Finished matched what we computed over the same transcript. */
export class FinishedMessageVerified {
  readonly #proof = 'finished';
  private constructor() {}
  /** For the Finished checks only. */
  static assertion(): FinishedMessageVerified {
    return new FinishedMessageVerified();
  }
}

/** What a connection needs before it may carry application data. */
export interface HandshakeProofs {
  peerAuthenticated: HandshakeSignatureValid | ResumptionKeyProven | KeyTransportProven;
  finished: FinishedMessageVerified;
}
