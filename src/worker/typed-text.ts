// Text typed in the Connect form to send (after the handshake, or as 0-RTT early data), as the bytes sent: UTF-8,
// with a typed "\r\n" or "\n" sent as CR LF, so a line-based request (HTTP, SMTP) can be typed on one line.
export function typedTextBytes(text: string): Uint8Array {
  return new TextEncoder().encode(text.replace(/\\r\\n|\\n/g, '\r\n'));
}
