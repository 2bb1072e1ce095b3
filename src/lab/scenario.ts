// The shape of a lab scenario as `GET /api/lab` serves it: the contract between the server and the page.
// Imports nothing, so both sides can use it.

export type TlsVersionName = 'TLSv1.2' | 'TLSv1.3';
export type LabProtocol = 'tls' | 'smtp' | 'imap' | 'pop3';

/** One scenario as the API (`GET /api/lab`) and the UI see it. */
export interface LabScenario {
  id: string;
  title: string;
  description: string;
  /** The name the client must use as SNI and check the certificate against. Only the bridge resolves it. */
  host: string;
  /** TCP port of the scenario's server on `address`. */
  port: number;
  /** Where the server really listens (always loopback). Direct Node clients connect here. */
  address: string;
  protocol: LabProtocol;
  tlsVersions: TlsVersionName[];
  whatToNotice: string;
  /** Path (same origin) of the bridge for this scenario; add `&token=...` when the bridge has a token. */
  bridgePath: string;
  /** Which real server implements it. */
  server: 'node-tls' | 'openssl-s_server' | 'smtp-server' | 'dovecot' | 'tls-lens';
  /** Whether the server asks for a client certificate (download it at /api/lab/client-cert). */
  clientCertificate?: 'requested' | 'required';
  /** Login for the mail scenarios (plaintext auth is only offered after STARTTLS). */
  credentials?: { user: string; password: string };
}
