// Certificate Transparency for the verdict's leaf: its embedded SCTs checked against a log list the user adds
// (RFC 6962 §3.2); without one they are listed as not verified.
import { useEffect, useState } from 'react';
import { decodeCertificate } from '../../x509/certificate.ts';
import { EXT } from '../../x509/extensions.ts';
import { checkEmbeddedScts, type CtLog, type SctCheck } from '../../x509/sct.ts';
import type { PathEntry } from '../../x509/validate.ts';

export function SctChecks({ path, logs, logSource }: { path: PathEntry[]; logs: CtLog[]; logSource?: string }) {
  const [checks, setChecks] = useState<SctCheck[] | string>([]);
  useEffect(() => {
    let current = true;
    const leaf = path[0] && decodeCertificate(path[0].der);
    if (!leaf?.extensions.some((e) => e.oid === EXT.sctList) || !path[1]) {
      setChecks([]);
      return;
    }
    checkEmbeddedScts(leaf, decodeCertificate(path[1].der), logs)
      .then((c) => current && setChecks(c))
      .catch((e) => current && setChecks(`the SCT list cannot be read: ${(e as Error).message}`));
    return () => {
      current = false;
    };
  }, [path, logs]);
  if (Array.isArray(checks) && checks.length === 0) return null;
  return (
    <section aria-label="Certificate Transparency" data-testid="sct-checks">
      <h2>Certificate Transparency</h2>
      {typeof checks === 'string' ? (
        <p className="bad">{checks}</p>
      ) : (
        <>
          <p className="muted">
            {logs.length ? `Checked against ${logs.length} log${logs.length === 1 ? '' : 's'} from ${logSource ?? 'the log list'}.` : 'No log list added: the SCTs are shown, not verified. Add a log list (v3 JSON, as Chrome and Apple publish it) in the what-if form to check them.'}
          </p>
          <ul>
            {checks.map((c, i) => (
              <li key={i} data-outcome={c.outcome} className={c.outcome === 'verified' ? 'ok' : logs.length && c.outcome !== 'unknown log' ? 'bad' : ''}>
                {c.outcome === 'verified' ? '✓' : c.outcome === 'unknown log' ? '?' : '✗'} {c.log ?? `log ${c.logId}`}, {c.timestamp}: {logs.length ? c.outcome : 'not verified'}
                {logs.length ? ` — ${c.detail}` : ''}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
