// A set of trust anchors indexed by subject, decoded once and shared by many validations.
import { decodeCertificate, type DecodedCertificate } from './certificate.ts';

export class TrustStore {
  readonly anchors: DecodedCertificate[] = [];
  /** Anchors that could not be decoded, with the reason (they are never trusted). */
  readonly rejected: { index: number; message: string }[] = [];
  private readonly bySubject = new Map<string, DecodedCertificate[]>();
  private readonly ids = new Set<string>();

  /** DER is decoded here; a certificate its reader decoded already (x509/input.ts) is taken as it is. */
  constructor(certificates: Iterable<Uint8Array | DecodedCertificate> = []) {
    let index = 0;
    for (const c of certificates) {
      try {
        this.add(c instanceof Uint8Array ? decodeCertificate(c) : c);
      } catch (e) {
        this.rejected.push({ index, message: (e as Error).message });
      }
      index++;
    }
  }

  add(cert: DecodedCertificate): void {
    if (this.ids.has(cert.id)) return;
    this.ids.add(cert.id);
    this.anchors.push(cert);
    const list = this.bySubject.get(cert.subject.key) ?? [];
    list.push(cert);
    this.bySubject.set(cert.subject.key, list);
  }

  /** A copy with extra anchors (e.g. a root the user trusts for one session). */
  with(extra: Iterable<Uint8Array>): TrustStore {
    const copy = new TrustStore();
    for (const a of this.anchors) copy.add(a);
    for (const der of extra) copy.add(decodeCertificate(der));
    return copy;
  }

  bySubjectKey(key: string): DecodedCertificate[] {
    return this.bySubject.get(key) ?? [];
  }

  has(cert: DecodedCertificate): boolean {
    return this.ids.has(cert.id);
  }

  get size(): number {
    return this.anchors.length;
  }
}
