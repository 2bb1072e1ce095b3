// One certificate: its details and its ASN.1 tree linked to the bytes. The decoder (x509
// module) loads on first use so it stays out of the main bundle.
import { lazy, Suspense } from 'react';
import { HexDump } from './HexDump.tsx';

const load = () => import('./CertificateDecoded.tsx');
const Decoded = lazy(load);

/** Fetch the decoder chunk early so an offline replay still has it. */
export function preloadCertificateDecoder(): void {
  void load().catch(() => undefined);
}

export function CertificateDetails({ der }: { der: string }) {
  return (
    <Suspense fallback={<HexDump hex={der} label="Certificate DER bytes" />}>
      <Decoded der={der} />
    </Suspense>
  );
}
