// A stapled OCSP response's fields (responder, produced at, this/next update, status, CertID), read from its 'ocsp'
// trace event: shown in the certificate view and the inspector.
import type { OcspEvent } from '../../trace/types.ts';
import { ocspFields } from '../../trace/ocsp-words.ts';

export function OcspFields({ event }: { event: OcspEvent }) {
  const fields = ocspFields(event);
  if (fields.length === 0) return null;
  return (
    <dl className="ocsp-fields">
      {fields.map(([label, value]) => (
        <div key={label} className="ocsp-field">
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
