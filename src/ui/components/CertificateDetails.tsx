// One certificate's details and bytes. (Decoded details come from the x509 module once it lands.)
import { HexDump } from './HexDump.tsx';

export function CertificateDetails({ der }: { der: string }) {
  return (
    <div className="cert-details">
      <h2>Certificate bytes ({der.length / 2})</h2>
      <HexDump hex={der} label="Certificate DER bytes" />
    </div>
  );
}
