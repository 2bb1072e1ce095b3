// Decoded certificate details plus the ASN.1 tree beside the DER hex dump, linked both ways.
import { useMemo, useState } from 'react';
import { decodeCertificate, describeKey, extensionName, generalNameText } from '../../x509/certificate.ts';
import { asn1Tree, type Asn1TreeNode } from '../../x509/der.ts';
import { fromHex, toHex } from '../../util/bytes.ts';
import { HexDump } from './HexDump.tsx';
import { CERTIFICATE_EXPLANATIONS, certificateDetails, type DetailItem } from '../../x509/details.ts';

interface Span {
  start: number;
  end: number;
}

function span(n: Asn1TreeNode): Span {
  return { start: n.offset, end: n.offset + n.headerLength + n.length };
}

/** Path of the narrowest ASN.1 node containing a byte offset. */
function nodeAt(root: Asn1TreeNode, offset: number): Asn1TreeNode[] {
  const path: Asn1TreeNode[] = [];
  let n: Asn1TreeNode | undefined = root;
  while (n) {
    path.push(n);
    n = n.children?.find((c) => offset >= span(c).start && offset < span(c).end);
  }
  return path;
}

export default function CertificateDecoded({ der }: { der: string }) {
  const bytes = useMemo(() => fromHex(der), [der]);
  const decoded = useMemo(() => {
    try {
      return { cert: decodeCertificate(bytes), error: null };
    } catch (e) {
      return { cert: null, error: (e as Error).message };
    }
  }, [bytes]);
  const tree = useMemo(() => {
    try {
      return asn1Tree(bytes);
    } catch {
      return null;
    }
  }, [bytes]);
  const [selected, setSelected] = useState<Asn1TreeNode | null>(null);
  const [hover, setHover] = useState<Span | null>(null);
  const openPath = useMemo(() => new Set(selected && tree ? nodeAt(tree, selected.offset).filter((n) => span(n).end >= span(selected).end) : []), [selected, tree]);
  const range = hover ?? (selected ? span(selected) : null);
  const c = decoded.cert;
  const details = useMemo(() => (c ? certificateDetails(c) : null), [c]);

  return (
    <div className="cert-details" data-testid="cert-details">
      {decoded.error && <p className="bad">This certificate could not be decoded: {decoded.error}</p>}
      {c && (
        <dl>
          <dt>Subject</dt>
          <dd>{c.subject.text}</dd>
          <dt>Issuer</dt>
          <dd>{c.issuer.text}</dd>
          <dt>Valid from</dt>
          <dd>{c.notBefore.toISOString()}</dd>
          <dt>Valid until</dt>
          <dd data-testid="not-after">{c.notAfter.toISOString()}</dd>
          <dt>Serial</dt>
          <dd><code>{toHex(c.serial)}</code></dd>
          <dt>Key</dt>
          <dd>{describeKey(c.key)}</dd>
          <dt>Names (SAN)</dt>
          <dd>{c.subjectAltNames ? c.subjectAltNames.map(generalNameText).join(', ') : 'none'}</dd>
          <dt>Extensions</dt>
          <dd>
            {c.extensions.map((x) => (
              <span key={x.oid} className="ext">
                {extensionName(x.oid)}
                {x.critical ? ' (critical)' : ''};{' '}
              </span>
            ))}
            {c.basicConstraints && `CA: ${c.basicConstraints.ca ? 'yes' : 'no'}${c.basicConstraints.pathLen !== undefined ? `, path length ${c.basicConstraints.pathLen}` : ''}. `}
            {c.keyUsage && `Key usage: ${[...c.keyUsage].join(', ')}. `}
            {c.extKeyUsage && `Extended key usage: ${c.extKeyUsage.join(', ')}.`}
          </dd>
          {details && <DetailRows title="Fingerprints" items={details.fingerprints} testId="fingerprints" />}
          {details && <DetailRows title="Policies" items={details.policies} testId="policies" />}
          {details && <DetailRows title="Authority information access" items={details.authorityInfoAccess} testId="aia" />}
          {details && <DetailRows title="CRL distribution points" items={details.crlDistributionPoints} testId="crldp" />}
          {details && details.scts.length > 0 && (
            <>
              <dt title={CERTIFICATE_EXPLANATIONS['x509.sct'].text}>Embedded SCTs ({details.scts.length}, shown, not verified)</dt>
              <dd data-testid="scts">
                <ul className="detail-list">
                  {details.scts.map((s, i) => (
                    <li key={i}>
                      log <code>{s.logId}</code>, {s.timestamp}, {s.signature} with {s.hash}
                    </li>
                  ))}
                </ul>
              </dd>
            </>
          )}
          {details && details.problems.length > 0 && (
            <>
              <dt>Could not read</dt>
              <dd className="bad">{details.problems.join('; ')}</dd>
            </>
          )}
        </dl>
      )}
      <div className="fields-bytes">
        <div className="fields-col">
          <h3>ASN.1 structure</h3>
          {tree ? (
            <ul className="asn1" aria-label="ASN.1 tree">
              <Asn1Item node={tree} depth={0} selected={selected} openPath={openPath} onSelect={setSelected} onHover={setHover} />
            </ul>
          ) : (
            <p>No ASN.1 tree (the bytes are not valid DER).</p>
          )}
        </div>
        <div className="bytes-col">
          <h3>DER bytes ({bytes.length})</h3>
          <HexDump hex={der} highlight={range ? [range.start, range.end] : null} label="Certificate DER bytes" onByte={(o) => tree && setSelected(nodeAt(tree, o).at(-1) ?? null)} />
        </div>
      </div>
    </div>
  );
}

function Asn1Item({ node, depth, selected, openPath, onSelect, onHover }: { node: Asn1TreeNode; depth: number; selected: Asn1TreeNode | null; openPath: Set<Asn1TreeNode>; onSelect: (n: Asn1TreeNode) => void; onHover: (s: Span | null) => void }) {
  const isSel = selected === node;
  const open = node.children && (depth < 3 || openPath.has(node));
  return (
    <li>
      <button
        type="button"
        className={isSel ? 'field sel' : 'field'}
        aria-pressed={isSel}
        onClick={() => onSelect(node)}
        onMouseEnter={() => onHover(span(node))}
        onMouseLeave={() => onHover(null)}
      >
        <span className="fname">{node.tagName}</span>
        {node.value !== undefined && <span className="fvalue">{node.value}</span>}
        <span className="fspan">
          @{node.offset} +{node.headerLength + node.length}
        </span>
      </button>
      {open && (
        <ul>
          {node.children!.map((ch, i) => (
            <Asn1Item key={i} node={ch} depth={depth + 1} selected={selected} openPath={openPath} onSelect={onSelect} onHover={onHover} />
          ))}
        </ul>
      )}
    </li>
  );
}

/** One list of details, each with its explanation on hover and as a linked reference. */
function DetailRows({ title, items, testId }: { title: string; items: DetailItem[]; testId: string }) {
  if (items.length === 0) return null;
  return (
    <>
      <dt>{title}</dt>
      <dd data-testid={testId}>
        <ul className="detail-list">
          {items.map((it, i) => {
            const ex = CERTIFICATE_EXPLANATIONS[it.explain];
            return (
              <li key={i} className={it.legacy ? 'legacy' : undefined} title={ex ? `${ex.title}: ${ex.text}` : undefined}>
                <span className="detail-label">{it.label}</span> <code>{it.value}</code>
                {ex && (
                  <>
                    {' '}
                    <a href={ex.url} target="_blank" rel="noreferrer" className="rfc-link">
                      {ex.rfc}
                    </a>
                  </>
                )}
              </li>
            );
          })}
        </ul>
      </dd>
    </>
  );
}
