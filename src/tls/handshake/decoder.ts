// How received handshake bytes become messages. The ServerHello decides the version and has the same layout in
// both, so decoding starts with TLS 1.3's layouts and switches once, when a TLS 1.2 ServerHello is accepted.
import type { KeyExchange12 } from '../suites12.ts';
import { decodeHandshake, type DecodedMessage, type HandshakeMessage } from '../messages/handshake.ts';
import { decodeHandshake12, type Tls12Message } from '../messages/tls12.ts';

export type AnyHandshakeMessage = HandshakeMessage | Tls12Message;

export class HandshakeDecoder {
  /** Set once TLS 1.2 is chosen; ServerKeyExchange's layout follows the suite's key exchange. */
  private tls12KeyExchange: (() => KeyExchange12 | undefined) | null = null;

  useTls12(keyExchange: () => KeyExchange12 | undefined): void {
    this.tls12KeyExchange = keyExchange;
  }

  /** True once TLS 1.2 is chosen (until then: TLS 1.3, or the version still open). */
  get isTls12(): boolean {
    return this.tls12KeyExchange !== null;
  }

  /** `fieldsWhenRead`: the field tree is made when first read (decodeHandshake). */
  decode(bytes: Uint8Array, fieldsWhenRead = false): DecodedMessage<AnyHandshakeMessage> {
    return this.tls12KeyExchange ? decodeHandshake12(bytes, this.tls12KeyExchange(), fieldsWhenRead) : decodeHandshake(bytes, fieldsWhenRead);
  }
}
