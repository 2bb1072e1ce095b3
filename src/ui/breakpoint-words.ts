// What the client-certificate breakpoint says. The engine's own note at that pause says whether a certificate was
// set to go out without asking ("no client certificate configured" when the Connect form said "ask me"); here, the
// person is asked, and the lab's client certificate is one of the answers, so the words name the choices instead.

/** Whether the lab's client certificate is at hand to send: loaded, still loading, or not to be had. */
export type LabCertState = 'loaded' | 'loading' | 'missing';

/** The engine's note for the clientCertRequest pause, for a post-handshake request: "post-handshake authentication: ...". */
const POST_HANDSHAKE = /^post-handshake authentication\b/i;

/** The breakpoint panel's sentence: which request this is and what each button does. */
export function clientCertChoices(detail: string | undefined, lab: LabCertState): string {
  const when = detail && POST_HANDSHAKE.test(detail) ? 'After the handshake (post-handshake authentication), the server' : 'The server';
  const labChoice =
    lab === 'loaded'
      ? "send the lab's client certificate (loaded, ready to send; our client then signs a CertificateVerify with its key)"
      : lab === 'loading'
        ? "send the lab's client certificate (still loading from the TLS Lens server; it is sent once it arrives)"
        : "send the lab's client certificate (it could not be loaded from the TLS Lens server, so this choice fails the connection)";
  return `${when} asks for a client certificate, and the Connect form said "ask me". Choose: ${labChoice}, or decline and send an empty Certificate (a server that requires one then ends the handshake with an alert).`;
}

/** The engine's note at a clientCertRequest pause in words that do not read as "there is nothing to send". */
export function clientCertPauseNote(detail: string | undefined): string | undefined {
  if (!detail) return detail;
  const post = POST_HANDSHAKE.test(detail) ? 'post-handshake authentication: ' : '';
  if (/no client certificate configured/.test(detail)) return capitalise(`${post}no certificate was set to go out without asking ("ask me"): the choice between the lab's client certificate and none is made at this breakpoint.`);
  if (/a client certificate is configured/.test(detail)) return capitalise(`${post}a client certificate was set to go out; at this breakpoint it can be sent, or none.`);
  return detail;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
