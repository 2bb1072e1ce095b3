// The certificate workbench: open any chain without a connection (drop, pick, paste, this connection's
// chain, a shared link), change the inputs of the decision and watch the checks change, share the result.
import { Component, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { decodeCertificate, isCertificate, type DecodedCertificate } from '../../x509/certificate.ts';
import { ChainInputError, MAX_INPUT_BYTES, readCertificateInput, type InputNotice } from '../../x509/input.ts';
import { ERRORS, type ErrorCode } from '../../x509/errors.ts';
import { CRL_LABELS, pemToDer } from '../../x509/pem.ts';
import { decodeCrl } from '../../x509/crl.ts';
import { shownName } from '../format.ts';
import { sha256 } from '@noble/hashes/sha2.js';
import { verdictJson } from '../../x509/verdict.ts';
import { mozillaTrustStore } from '../../x509/mozillaStore.ts';
import { fromHex, toHex } from '../../util/bytes.ts';
import { CertificateDetails } from '../components/CertificateDetails.tsx';
import { FailureNames } from '../views/InspectorView.tsx';
import { download } from '../files.ts';
import { useTrace } from '../store.ts';
import { writeUrlState } from '../url-state.ts';
import { decide, DEFAULT_SETTINGS, pathPem, readShareFragment, shareFragment, stepKey, trustRefusal, type Decision, type WorkbenchChain, type WorkbenchSettings } from './model.ts';
import { describeTrust, type TrustSettings } from '../../x509/trusted-pem.ts';
import { SearchView } from './SearchView.tsx';
import { PolicyTree } from './PolicyTree.tsx';
import { SctChecks } from './SctChecks.tsx';
import { readLogList, type CtLog } from '../../x509/sct.ts';
import { FromServer } from './FromServer.tsx';
import { describePathCertificate, pathMembers, pathRole } from '../../x509/path-words.ts';
import { WhatIf, validitySpan } from './WhatIf.tsx';

interface Brought {
  der: Uint8Array;
  /** Where it came from, in words: "chain.pem, block 2". */
  from: string;
  cert?: DecodedCertificate;
  /** Identifies it between the list, the search and the details. */
  sha256: string;
  /** OpenSSL trust settings that came with it (a TRUSTED CERTIFICATE block). */
  trust?: TrustSettings;
}

function describe(der: Uint8Array, from: string, trust?: TrustSettings): Brought {
  let cert: DecodedCertificate | undefined;
  try {
    cert = decodeCertificate(der);
  } catch {
    cert = undefined;
  }
  return { der, from, cert, sha256: toHex(sha256(der)), ...(trust ? { trust } : {}) };
}

/** A certificate's trust settings, and whether they keep it from anchoring a path for this purpose, next to it. */
function TrustNote({ brought, purpose, applies }: { brought: Brought; purpose: WorkbenchSettings['purpose']; applies: boolean }) {
  if (!brought.trust) return null;
  const refusal = applies ? trustRefusal(brought.trust, purpose) : undefined;
  return (
    <span className={refusal ? 'wb-trust refused' : 'wb-trust'} data-testid="trust-note" data-refused={String(!!refusal)}>
      {' '}
      {refusal ? `${refusal}.` : `OpenSSL trust settings: ${describeTrust(brought.trust)}.`}
    </span>
  );
}

/** The certificates of `more` not in `list` yet, each once (told apart by their SHA-256: one look-up each, so a
 * bundle of thousands added to another stays quick). */
function notYetIn(list: Brought[], more: Brought[]): Brought[] {
  const seen = new Set(list.map((b) => b.sha256));
  return more.filter((b) => !seen.has(b.sha256) && !!seen.add(b.sha256));
}

/** The chain of the current trace's certificate check, if there is one. */
function traceChain(): Uint8Array[] | undefined {
  const events = useTrace.getState().events;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.kind === 'cert-result' && e.chain.length) return e.chain.map(fromHex);
  }
  return undefined;
}

/** Whatever goes wrong inside, the page stays usable: the workbench says so and can start again. */
class Contained extends Component<{ children: ReactNode; onClose: () => void }, { error?: string }> {
  state: { error?: string } = {};
  static getDerivedStateFromError(e: Error) {
    return { error: e.message };
  }
  render() {
    if (!this.state.error) return this.props.children;
    return (
      <div role="alert" className="wb-problems">
        <p>The workbench stopped: {this.state.error}</p>
        <button type="button" onClick={() => this.setState({ error: undefined })}>
          Start again
        </button>{' '}
        <button type="button" onClick={this.props.onClose}>
          Back to the handshake
        </button>
      </div>
    );
  }
}

export default function Workbench(props: { initialFragment?: string; onClose: () => void }) {
  return (
    <Contained onClose={props.onClose}>
      <WorkbenchView {...props} />
    </Contained>
  );
}

function WorkbenchView({ initialFragment, onClose }: { initialFragment?: string; onClose: () => void }) {
  const [certs, setCerts] = useState<Brought[]>([]);
  const [anchors, setAnchors] = useState<Brought[]>([]);
  const [crls, setCrls] = useState<{ der: Uint8Array; from: string }[]>([]);
  // A CT log list stays on this page: it is large and public, so share links do not carry it.
  const [ctLogs, setCtLogs] = useState<{ logs: CtLog[]; from: string }>({ logs: [], from: '' });
  const [settings, setSettings] = useState<WorkbenchSettings>(DEFAULT_SETTINGS);
  const [decision, setDecision] = useState<Decision | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const [notices, setNotices] = useState<InputNotice[]>([]);
  const [paste, setPaste] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const [link, setLink] = useState('');
  const [dragging, setDragging] = useState(false);
  const previous = useRef<Decision | null>(null);
  const runId = useRef(0);
  const hasTraceChain = useTrace((s) => s.revision >= 0 && s.events.some((e) => e.kind === 'cert-result'));

  const set = (patch: Partial<WorkbenchSettings>) => setSettings((s) => ({ ...s, ...patch }));

  // A shared link opens its chain and settings.
  useEffect(() => {
    if (!initialFragment) return;
    readShareFragment(initialFragment)
      .then((shared) => {
        if (!shared) return;
        setCerts(shared.chain.certificates.map((der, i) => describe(der, `shared link, certificate ${i + 1}`, shared.chain.certificateTrust?.[i])));
        setAnchors(shared.chain.anchors.map((der, i) => describe(der, `shared link, anchor ${i + 1}`, shared.chain.anchorTrust?.[i])));
        setCrls(shared.chain.crls.map((der, i) => ({ der, from: `shared link, CRL ${i + 1}` })));
        setSettings(shared.settings);
      })
      .catch((e) => setProblems([(e as Error).message]));
  }, [initialFragment]);

  const chain: WorkbenchChain = useMemo(
    () => ({
      certificates: certs.map((c) => c.der),
      anchors: anchors.map((c) => c.der),
      crls: crls.map((c) => c.der),
      certificateTrust: certs.map((c) => c.trust),
      anchorTrust: anchors.map((c) => c.trust),
    }),
    [certs, anchors, crls],
  );

  // Re-decide at once on every change; a slower, older run never overwrites a newer one.
  useEffect(() => {
    if (chain.certificates.length === 0) {
      setDecision(null);
      previous.current = null;
      writeUrlState({ workbench: '' });
      return;
    }
    const id = ++runId.current;
    decide(chain, settings, mozillaTrustStore, previous.current?.result)
      .then((d) => {
        if (id !== runId.current) return;
        previous.current = d;
        setDecision(d);
      })
      .catch((e) => setProblems((p) => [...p, `The decision could not be made: ${(e as Error).message}`]));
    void shareFragment(chain, settings).then((f) => {
      if (id === runId.current) writeUrlState({ workbench: f.slice('workbench='.length) });
    });
  }, [chain, settings]);

  function addInput(input: Uint8Array | string, file: string, into: 'chain' | 'anchors') {
    try {
      const read = readCertificateInput(input, file, { lenient: into === 'anchors' });
      const brought = read.certificates.map((c) => ({ ...describe(c.der, `${file}, ${c.origin.format} block ${c.origin.block}`, c.trustSettings), cert: c.cert }));
      (into === 'chain' ? setCerts : setAnchors)((list) => [...list, ...notYetIn(list, brought)]);
      setNotices((n) => [...n, ...read.notices]);
    } catch (e) {
      const err = e as ChainInputError;
      setProblems((p) => [...p, err.message]);
      if (err.notices) setNotices((n) => [...n, ...err.notices]);
      // What was read before the problem is kept.
      if (err.certificates?.length) (into === 'chain' ? setCerts : setAnchors)((list) => [...list, ...notYetIn(list, err.certificates.map((c) => describe(c.der, `${file}, block ${c.origin.block}`, c.trustSettings)))]);
    }
  }

  async function addFiles(files: FileList | File[], into: 'chain' | 'anchors') {
    for (const f of Array.from(files)) {
      const name = shownName(f.name);
      // Too big to be a chain: refused before it is read into memory.
      if (f.size > MAX_INPUT_BYTES) setProblems((p) => [...p, `${name}: the file is ${(f.size / 1048576).toFixed(1)} MB; at most ${MAX_INPUT_BYTES / 1048576} MB is read (a whole CA bundle is far smaller)`]);
      else addInput(new Uint8Array(await f.arrayBuffer()), name, into);
    }
  }

  async function addCrls(files: FileList) {
    for (const f of Array.from(files)) {
      const name = shownName(f.name);
      const bytes = new Uint8Array(await f.arrayBuffer());
      let ders: Uint8Array[];
      try {
        ders = bytes[0] === 0x30 ? [bytes] : pemToDer(new TextDecoder('latin1').decode(bytes), CRL_LABELS);
      } catch (e) {
        setProblems((p) => [...p, `${name}: ${(e as Error).message}; no CRL was added from it`]);
        continue;
      }
      if (ders.length === 0) setProblems((p) => [...p, `${name}: no "-----BEGIN X509 CRL-----" block and not DER either`]);
      // Each CRL is read now, so one that cannot be is named here rather than quietly left out of the decision.
      const read: { der: Uint8Array; from: string }[] = [];
      ders.forEach((der, i) => {
        const which = ders.length > 1 ? `${name}, CRL ${i + 1}` : name;
        try {
          decodeCrl(der);
          read.push({ der, from: `${name}, CRL ${i + 1}` });
        } catch (e) {
          const why = isCertificate(der) ? 'it holds a certificate, not a CRL' : `it cannot be read: ${(e as Error).message}`;
          setProblems((p) => [...p, `${which}: ${why}; it was not added`]);
        }
      });
      setCrls((list) => [...list, ...read]);
    }
  }

  async function addLogList(files: FileList) {
    const f = files[0];
    if (!f) return;
    try {
      if (f.size > MAX_INPUT_BYTES) throw new Error(`the file is ${(f.size / 1048576).toFixed(1)} MB; a log list is far smaller`);
      setCtLogs({ logs: readLogList(await f.text()), from: shownName(f.name) });
    } catch (e) {
      setProblems((p) => [...p, `${shownName(f.name)}: ${(e as Error).message}`]);
    }
  }

  const windows = useMemo(() => validitySpan(certs.flatMap((c) => (c.cert ? [c.cert] : []))), [certs]);
  const result = decision?.result;
  const leafSha = decision ? certs[decision.leafIndex]?.sha256 : undefined;
  const selectedDer = selected ? [...certs, ...anchors].find((c) => c.sha256 === selected)?.der ?? result?.path.find((p) => p.sha256 === selected)?.der : undefined;

  return (
    <section
      className="workbench"
      aria-label="Certificate workbench"
      data-testid="workbench"
      // Files dropped anywhere on the workbench join the chain (the drop zone lights up while they are held over it).
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
      }}
      onDrop={(e) => {
        if (e.dataTransfer.files.length === 0) return;
        e.preventDefault();
        setDragging(false);
        void addFiles(e.dataTransfer.files, 'chain');
      }}
    >
      <div className="wb-head">
        <h2>Certificate workbench</h2>
        <button type="button" onClick={onClose}>
          Back to the handshake
        </button>
      </div>
      <div className="wb-grid">
        <div className="wb-inputs">
          <div className={`dropzone${dragging ? ' over' : ''}`} data-testid="dropzone">
            <p>Drop certificate files here or anywhere on the workbench (PEM, DER .cer/.crt/.der, PKCS#7 .p7b/.p7c), or</p>
            <label className="file-pick">
              Pick files
              <input type="file" multiple data-testid="pick-chain" onChange={(e) => e.target.files && void addFiles(e.target.files, 'chain').then(() => (e.target.value = ''))} />
            </label>
          </div>
          <label htmlFor="wb-paste">Paste PEM (text around the blocks is fine)</label>
          <textarea id="wb-paste" rows={4} value={paste} onChange={(e) => setPaste(e.target.value)} data-testid="paste" />
          <div className="wb-row">
            <button
              type="button"
              data-testid="paste-add"
              disabled={!paste.trim()}
              onClick={() => {
                addInput(paste, 'pasted text', 'chain');
                setPaste('');
              }}
            >
              Add pasted certificates
            </button>
            <button type="button" data-testid="from-trace" disabled={!hasTraceChain} onClick={() => {
              const c = traceChain();
              if (c) setCerts(c.map((der, i) => describe(der, `this connection, certificate ${i + 1} as sent`)));
            }}>
              This connection's chain
            </button>
            <button type="button" onClick={() => {
              setCerts([]);
              setAnchors([]);
              setCrls([]);
              setProblems([]);
              setNotices([]);
              previous.current = null;
            }}>
              Clear
            </button>
          </div>
          <FromServer
            onProblem={(m) => setProblems((p) => [...p, m])}
            onChain={(c) => {
              previous.current = null;
              setCerts(c.chain.map((der, i) => describe(der, `${c.from}, certificate ${i + 1} as sent`)));
              if (c.labCa) {
                try {
                  const ca = readCertificateInput(c.labCa, 'lab CA').certificates;
                  setAnchors((list) => [...list, ...ca.filter((x) => !list.some((y) => toHex(y.der) === toHex(x.der))).map((x) => describe(x.der, 'the lab CA'))]);
                } catch (e) {
                  setProblems((p) => [...p, (e as Error).message]);
                }
              }
              set({ name: c.serverName ?? '', leaf: undefined });
            }}
          />
          {problems.length > 0 && (
            <div role="alert" className="wb-problems" data-testid="input-problems">
              <ul>
                {problems.map((p, i) => (
                  <li key={i}>{p}</li>
                ))}
              </ul>
              <button type="button" onClick={() => setProblems([])}>
                Dismiss
              </button>
            </div>
          )}
          {notices.length > 0 && (
            <ul className="wb-notices" data-testid="input-notices">
              {notices.map((n, i) => (
                <li key={i}>
                  {n.file}: {n.message}
                </li>
              ))}
            </ul>
          )}
          <h3>Certificates ({certs.length})</h3>
          <ol className="wb-certs" data-testid="wb-certs">
            {certs.map((c, i) => (
              <li key={`${i}-${c.from}`} data-leaf={String(decision?.leafIndex === i)}>
                <button type="button" className="linklike" aria-pressed={selected === c.sha256} onClick={() => setSelected(c.sha256)}>
                  {c.cert ? c.cert.subject.text || '(empty subject)' : 'undecodable certificate'}
                </button>{' '}
                <span className="muted">
                  {decision?.leafIndex === i ? 'leaf' : c.cert?.selfIssued ? 'self-signed' : 'offered'} — {c.from}
                </span>
                <TrustNote brought={c} purpose={settings.purpose} applies={settings.trustChainRoot && !!c.cert?.selfIssued && decision?.leafIndex !== i} />{' '}
                <button type="button" onClick={() => set({ leaf: i })} disabled={decision?.leafIndex === i} aria-label={`Use ${c.cert?.subject.text ?? 'this certificate'} as the leaf`}>
                  Leaf
                </button>{' '}
                <button type="button" onClick={() => {
                  setCerts((list) => list.filter((_, k) => k !== i));
                  set({ leaf: undefined });
                }} aria-label={`Remove ${c.cert?.subject.text ?? 'this certificate'}`}>
                  Remove
                </button>
              </li>
            ))}
          </ol>

          <WhatIf
            settings={settings}
            set={set}
            windows={windows}
            counts={{ anchors: anchors.length, crls: crls.length, ctLogs: ctLogs.logs.length }}
            addAnchors={(files) => addFiles(files, 'anchors')}
            addCrls={addCrls}
            addLogList={addLogList}
          />
          {anchors.length > 0 && (
            <>
              <h3>Trust anchors added ({anchors.length})</h3>
              <ul className="wb-certs" data-testid="wb-anchors">
                {anchors.map((c, i) => (
                  <li key={`${i}-${c.from}`} data-used={String(!trustRefusal(c.trust, settings.purpose))}>
                    <button type="button" className="linklike" aria-pressed={selected === c.sha256} onClick={() => setSelected(c.sha256)}>
                      {c.cert ? c.cert.subject.text || '(empty subject)' : 'undecodable certificate'}
                    </button>{' '}
                    <span className="muted">— {c.from}</span>
                    <TrustNote brought={c} purpose={settings.purpose} applies />{' '}
                    <button type="button" onClick={() => setAnchors((list) => list.filter((_, k) => k !== i))} aria-label={`Remove the trust anchor ${c.cert?.subject.text ?? ''}`.trim()}>
                      Remove
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>

        <div className="wb-result">
          {!result && <p className="empty">Bring a chain: drop or pick files, paste PEM, or open this connection's chain.</p>}
          {result && decision && (
            <>
              <div className={result.ok ? 'verdict ok' : 'verdict bad'} data-testid="wb-verdict" data-code={result.error?.code ?? 'OK'}>
                <strong>{result.ok ? 'The chain verified.' : 'The chain did not verify.'}</strong> <span className="muted">(decided in {decision.millis.toFixed(1)} ms)</span>
                {result.error && <FailureNames error={result.error} />}
                {decision.setAside.length > 0 && (
                  <ul className="wb-set-aside" data-testid="wb-set-aside">
                    {decision.setAside.map((a) => {
                      const b = (a.list === 'anchors' ? anchors : certs)[a.index];
                      return (
                        <li key={`${a.list}-${a.index}`}>
                          {b?.cert?.subject.text || 'A certificate'} ({b?.from}) is {a.reason}.
                        </li>
                      );
                    })}
                  </ul>
                )}
              </div>
              <div className="wb-row">
                <button type="button" data-testid="share" onClick={() => void shareFragment(chain, settings).then((f) => setLink(`${location.origin}${location.pathname}#${f}`))}>
                  Share link
                </button>
                <button type="button" data-testid="export-pem" disabled={result.path.length === 0} onClick={() => download('chain.pem', pathPem(result), 'application/x-pem-file')}>
                  Export PEM (path order)
                </button>
                <button type="button" data-testid="export-json" onClick={() => download('verdict.json', JSON.stringify(verdictJson(result, settings.profile), null, 2) + '\n', 'application/json')}>
                  Export verdict JSON
                </button>
              </div>
              {link && (
                <label className="share-link">
                  Link ({link.length} characters; the chain stays in the fragment and is never sent to a server)
                  <input type="text" readOnly value={link} data-testid="share-link" onFocus={(e) => e.target.select()} />
                </label>
              )}
              {result.search && <SearchView search={result.search} onSelect={setSelected} />}
              <h2>Checks</h2>
              <ul className="checks" data-testid="wb-checks">
                {result.steps
                  .filter((s) => s.check !== 'issuerCandidate')
                  .map((s, i) => {
                    const changed = decision.changed.has(stepKey(s));
                    const members = pathMembers(result.path);
                    return (
                      <li key={i} className={`${s.ok === false ? 'bad' : s.ok ? 'ok' : 'skip'}${changed ? ' changed' : ''}`} data-check={s.check} data-ok={String(s.ok)} data-changed={String(changed)}>
                        <span className="mark" aria-hidden="true">{s.ok === false ? '✗' : s.ok ? '✓' : '–'}</span>
                        <span className="visually-hidden">{s.ok === false ? 'failed' : s.ok ? 'passed' : 'not applicable'}: </span>
                        {changed && <span className="changed-tag">changed </span>}
                        <strong>{s.check}</strong> <span title={s.certificate >= 0 ? describePathCertificate(s.certificate, members) : undefined}>({pathRole(s.certificate, members)})</span> — {s.detail} {s.code && <code>{s.code}</code>}
                        {s.ok === false && s.code && ERRORS[s.code as ErrorCode] && (
                          <span className="other-names">
                            {' '}
                            OpenSSL <code>{s.openssl ?? ERRORS[s.code as ErrorCode].openssl}</code>, Secure Transport <code>{ERRORS[s.code as ErrorCode].secureTransport}</code>
                            {ERRORS[s.code as ErrorCode].windowsCE && (
                              <>
                                , Windows CE <code>{ERRORS[s.code as ErrorCode].windowsCE}</code>
                              </>
                            )}
                          </span>
                        )}
                      </li>
                    );
                  })}
              </ul>
              {decision.policy && <PolicyTree outcome={decision.policy} path={result.path} />}
              <SctChecks path={result.path} logs={ctLogs.logs} logSource={ctLogs.from} />
            </>
          )}
          {(selectedDer ?? (leafSha && certs[decision!.leafIndex]?.der)) && (
            <>
              <h2>Certificate</h2>
              <CertificateDetails der={toHex((selectedDer ?? certs[decision!.leafIndex].der)!)} />
            </>
          )}
        </div>
      </div>
    </section>
  );
}
