// The path builder's search, drawn: each complete path as a row of certificates (accepted, or refused with
// the check that refused it), the certificates whose issuer is nowhere, and every candidate examined.
import { describePathCertificate } from '../../x509/path-words.ts';
import type { PathSearch } from '../../x509/search.ts';
import { SearchGraph } from './SearchGraph.tsx';

const OUTCOME_WORDS: Record<string, string> = {
  followed: 'followed',
  'in path already': 'already in this path (a cycle)',
  'key identifier differs': 'refused: its subject key identifier differs from the authority key identifier (AKI/SKI)',
  'too deep': 'refused: the path would exceed the maximum depth',
  'signature invalid': 'refused: its key did not make the signature (name matches, signature does not)',
  'path refused': 'completes a path that was refused',
  'path accepted': 'completes the accepted path',
};

export function SearchView({ search, onSelect }: { search: PathSearch; onSelect: (sha256: string) => void }) {
  const cert = (k: number) => search.certificates[k];
  const name = (k: number) => (
    <button type="button" className="search-cert" data-source={cert(k).source} onClick={() => onSelect(cert(k).sha256)}>
      {cert(k).subject || '(empty subject)'}
      <span className="muted"> ({cert(k).source === 'anchor' ? 'trust anchor' : cert(k).source})</span>
    </button>
  );
  return (
    <section className="search" aria-label="Path search" data-testid="path-search">
      <h2>Path search</h2>
      <p className="muted">
        {search.paths.length} complete path{search.paths.length === 1 ? '' : 's'} found, {search.work} link{search.work === 1 ? '' : 's'} examined
        {search.workExhausted ? ' (the work limit was reached)' : ''}
        {search.depthExceeded ? '; some paths were longer than the maximum depth' : ''}.
      </p>
      <SearchGraph search={search} onSelect={onSelect} />
      {search.paths.length > 0 && (
        <ol className="search-paths" data-testid="search-paths">
          {search.paths.map((p, i) => (
            <li key={i} className={p.accepted ? 'ok' : 'bad'} data-accepted={String(p.accepted)} data-chosen={String(search.chosen === i)}>
              <span className="path-verdict">
                {p.accepted ? '✓ accepted' : '✗ refused'}
                {search.chosen === i ? ' (the verdict is about this path)' : ''}
              </span>
              <span className="path-chain">
                {p.certificates.map((k, j) => (
                  <span key={j} className="path-link">
                    {j > 0 && <span aria-hidden="true"> → </span>}
                    {j > 0 && <span className="visually-hidden"> issued by </span>}
                    {name(k)}
                  </span>
                ))}
              </span>
              {p.refusedBy && (
                <span className="path-why">
                  {p.refusedBy.check}
                  {p.refusedBy.certificate >= 0 ? ` on ${describePathCertificate(p.refusedBy.certificate, p.certificates.map((k) => ({ subject: cert(k).subject, anchor: cert(k).source === 'anchor' })))}` : ''}: {p.refusedBy.detail} {p.refusedBy.code && <code>{p.refusedBy.code}</code>}
                </span>
              )}
            </li>
          ))}
        </ol>
      )}
      {search.missingIssuers.length > 0 && (
        <ul className="missing" data-testid="missing-issuers">
          {search.missingIssuers.map((m, i) => (
            <li key={i} className="bad">
              {m.selfSigned ? (
                <>
                  {name(m.certificate)} is self-signed and is not among the trust anchors.
                </>
              ) : (
                <>
                  Missing issuer: nothing in the pool or the trust anchors is named <strong>{m.issuerName}</strong>, the issuer of {name(m.certificate)}.
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {(search.nameMismatches ?? []).length > 0 && (
        <ul className="missing" data-testid="name-mismatches">
          {search.nameMismatches.map((m, i) => (
            <li key={i} className="bad">
              Refused on name chaining: the subject key identifier of {name(m.candidate)} matches the authority key identifier of {name(m.child)}, but its subject is not <strong>{cert(m.child).issuer}</strong>, the issuer name that certificate carries.
            </li>
          ))}
        </ul>
      )}
      {search.links.length > 0 && (
        <details className="search-links">
          <summary>Every candidate issuer examined ({search.links.length})</summary>
          <ol>
            {search.links.map((l, i) => (
              <li key={i} style={{ marginLeft: `${l.depth}em` }} data-outcome={l.outcome}>
                issuer of {cert(l.child).subject}: {cert(l.candidate).source === 'anchor' ? 'trust anchor' : 'offered'} {cert(l.candidate).subject} — {OUTCOME_WORDS[l.outcome] ?? l.outcome}
              </li>
            ))}
          </ol>
        </details>
      )}
    </section>
  );
}
