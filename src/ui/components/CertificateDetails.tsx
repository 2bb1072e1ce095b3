// One certificate: its details and its ASN.1 tree linked to the bytes. The decoder (x509
// module) loads on first use so it stays out of the main bundle.
import { lazy, Suspense } from 'react';
import { HexDump } from './HexDump.tsx';

const Decoded = lazy(() => import('./CertificateDecoded.tsx'));

export function CertificateDetails({ der }: { der: string }) {
  return (
    <Suspense fallback={<HexDump hex={der} label="Certificate DER bytes" />}>
      <Decoded der={der} />
    </Suspense>
  );
}
