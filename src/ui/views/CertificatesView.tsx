// Certificates: the chain as the server sent it, the path as built, the client certificate our client sent (shown,
// not checked: the server checks it), each certificate's details
// and ASN.1 tree, and every check with pass/fail and the names other stacks give a failure.
import { useEffect, useMemo, useState } from 'react';
import type { CertificateCheckEvent, CertificateResultEvent, OcspEvent } from '../../trace/types.ts';
import { OcspFields } from '../components/OcspFields.tsx';
import { ocspHeadline } from '../../trace/ocsp-words.ts';
import { currentIndex, useTrace } from '../store.ts';
import { FailureNames } from './InspectorView.tsx';
import { CertificateDetails } from '../components/CertificateDetails.tsx';
import { trustRootForSession } from '../session.ts';
import { engine } from '../worker-client.ts';
import { describePathCertificate, pathMembers, pathRole } from '../../x509/path-words.ts';
import { sentClientCertificate, type SentClientCertificate } from '../client-certificate.ts';
import { fromHex } from '../../util/bytes.ts';

export function CertificatesView() {
  useTrace((s) => s.revision);
  useTrace((s) => s.cursor);
  const state = useTrace.getState();
  const upTo = currentIndex(state);
  const { result, checks, ocsp, ours } = useMemo(() => {
    let result: CertificateResultEvent | undefined;
    let ocsp: OcspEvent | undefined;
    const checks: CertificateCheckEvent[] = [];
    for (let i = 0; i <= upTo && i < state.events.length; i++) {
      const e = state.events[i];
      if (e.kind === 'cert-check') checks.push(e);
      if (e.kind === 'cert-result') result = e;
      if (e.kind === 'ocsp') ocsp = e;
    }
    return { result, checks, ocsp, ours: sentClientCertificate(state.events, upTo) };
  }, [state.events, upTo, state.revision]);
  const [selected, setSelected] = useState<{ list: 'chain' | 'path' | 'ours'; i: number }>({ list: 'chain', i: 0 });

  if (!result && checks.length === 0 && !ours) return <p className="empty">No certificate has been checked yet at this step.</p>;
  // Checks name their certificate by its place on the path as built, as the "Path as built" list does.
  const members = result ? pathMembers(result.path) : undefined;
  const der =
    selected.list === 'ours' ? ours?.chain[selected.i] : result ? (selected.list === 'chain' ? result.chain[selected.i] : result.path[selected.i]?.der) : undefined;
  // A chain that fails only for want of a trusted anchor: offer to trust its top certificate for this session.
  const unknownRoot = result?.error && /UNTRUSTED_ROOT|SELF_SIGNED|UNKNOWN_ISSUER/.test(result.error.code);
  const lastPath = result?.path.length ? result.path[result.path.length - 1] : result?.chain.length ? { der: result.chain[result.chain.length - 1], subject: 'the last certificate sent' } : undefined;

  return (
    <section className="certs" aria-label="Certificates">
      {result && (
        <div className={result.ok ? 'verdict ok' : 'verdict bad'} data-testid="cert-verdict">
          <strong>{result.ok ? 'The chain verified.' : ocsp?.verdict === 'revoked' && result.error?.code === 'REVOKED' ? 'The chain verified, but its stapled OCSP response says the certificate is revoked.' : 'The chain did not verify.'}</strong>
          {result.overridden && ' The person chose to go on anyway.'}
          {result.error && <FailureNames error={result.error} />}
          {unknownRoot && lastPath && state.source === 'live' && (
            <button
              type="button"
              onClick={() => {
                trustRootForSession(lastPath.der);
                engine.reconnect();
              }}
            >
              Trust “{lastPath.subject}” for this session and reconnect
            </button>
          )}
        </div>
      )}
      {ocsp && (
        <div className={`verdict ${ocsp.verdict === 'good' ? 'ok' : ocsp.verdict === 'revoked' ? 'bad' : 'warn'}`} data-testid="ocsp-verdict" data-verdict={ocsp.verdict}>
          <strong>{ocspHeadline(ocsp)}.</strong> {ocsp.detail}
          <OcspFields event={ocsp} />
        </div>
      )}
      <div className="cert-lists">
        {result && (
          <>
            <div>
              <h2>Server's chain as sent ({result.chain.length})</h2>
              <ol>
                {result.chain.map((_, i) => (
                  <li key={i}>
                    <button type="button" aria-pressed={selected.list === 'chain' && selected.i === i} onClick={() => setSelected({ list: 'chain', i })}>
                      {result.path.find((p) => p.der === result.chain[i])?.subject ?? `certificate ${i + 1}`}
                    </button>
                  </li>
                ))}
              </ol>
            </div>
            <div>
              <h2>Path as built ({result.path.length})</h2>
              <ol>
                {result.path.map((p, i) => (
                  <li key={i}>
                    <button type="button" aria-pressed={selected.list === 'path' && selected.i === i} onClick={() => setSelected({ list: 'path', i })}>
                      {p.subject} <span className="muted">({pathRole(i, members)}{p.source === 'anchor' ? (i === 0 ? ', itself a trust anchor' : '') : ', from the server'})</span>
                    </button>
                  </li>
                ))}
              </ol>
            </div>
          </>
        )}
        {ours && <OurCertificate ours={ours} selected={selected.list === 'ours' ? selected.i : -1} onSelect={(i) => setSelected({ list: 'ours', i })} />}
        <div className="checks-col">
          <h2>Checks</h2>
          <ul className="checks" data-testid="cert-checks">
            {checks.map((c) => (
              <li key={c.index} className={c.ok === false ? 'bad' : c.ok ? 'ok' : 'skip'} data-check={c.check} data-ok={String(c.ok)}>
                <span className="mark" aria-hidden="true">{c.ok === false ? '✗' : c.ok ? '✓' : '–'}</span>
                <span className="visually-hidden">{c.ok === false ? 'failed' : c.ok ? 'passed' : 'not applicable'}: </span>
                <strong>{c.check}</strong> <span title={c.certificate >= 0 ? describePathCertificate(c.certificate, members) : undefined}>({pathRole(c.certificate, members)})</span> — {c.detail} {c.code && <code>{c.code}</code>}
              </li>
            ))}
          </ul>
        </div>
      </div>
      {der && <CertificateDetails der={der} />}
    </section>
  );
}

/** Subjects of certificates in hex DER, decoded once the x509 code (the certificate details' chunk) has loaded. */
function useSubjects(chain: string[]): (string | undefined)[] {
  // Keyed by the bytes: each step makes a new array of the same certificates.
  const key = chain.join(' ');
  const [subjects, setSubjects] = useState<{ key: string; subjects: (string | undefined)[] }>({ key: '', subjects: [] });
  useEffect(() => {
    let live = true;
    void import('../../x509/certificate.ts')
      .then(({ decodeCertificate }) => {
        const names = key.split(' ').map((der) => {
          try {
            return decodeCertificate(fromHex(der)).subject.text;
          } catch {
            return undefined;
          }
        });
        if (live) setSubjects({ key, subjects: names });
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [key]);
  return subjects.key === key ? subjects.subjects : [];
}

/** The certificate our client sent when the server asked for one: ours, shown as sent, checked by the server only. */
function OurCertificate({ ours, selected, onSelect }: { ours: SentClientCertificate; selected: number; onSelect: (i: number) => void }) {
  const subjects = useSubjects(ours.chain);
  return (
    <div className="ours" data-testid="our-client-cert">
      <h2>{ours.chain.length ? `Our client certificate, as sent (${ours.chain.length})` : 'Our client certificate: none sent'}</h2>
      {ours.chain.length === 0 ? (
        <p className="muted">The server asked for a client certificate; our client sent an empty Certificate message (none).</p>
      ) : (
        <>
          <p className="muted">
            Sent by our client to the server {ours.encrypted ? '(encrypted)' : '(in plaintext)'}. Ours, so not checked here: the server checks it against the certificate authorities it trusts.
          </p>
          <ol>
            {ours.chain.map((_, i) => (
              <li key={i}>
                <button type="button" aria-pressed={selected === i} onClick={() => onSelect(i)}>
                  {subjects[i] ?? `certificate ${i + 1}`} <span className="muted">({i === 0 ? 'our leaf, sent by our client' : `ours, certificate ${i + 1} as our client sent it`})</span>
                </button>
              </li>
            ))}
          </ol>
        </>
      )}
    </div>
  );
}
