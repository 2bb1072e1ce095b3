// npm run bench:workbench — re-deciding a 4-certificate chain in the workbench (every what-if change runs
// this: path search with every path, all checks, signatures verified afresh), against Node's own
// X509Certificate.verify over the same three links plus its host-name and date checks, in the same run.
// Goal: < 50 ms per decision on this machine.
import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import { makeCert, NOW, type Identity } from '../test/x509/pki.ts';
import { decide, DEFAULT_SETTINGS, type WorkbenchChain, type WorkbenchSettings } from '../src/ui/workbench/model.ts';
import { mozillaTrustStore } from '../src/x509/mozillaStore.ts';
import { buildSearchGraph } from '../src/ui/workbench/search-graph.ts';
import { median } from './common.ts';

const RUNS = 200;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

// 16-octet serials, so the strict CA/B profile accepts the chain too.
let n = 0;
const serial = () => `41${(++n).toString(16).padStart(30, '0')}`;
const root = await makeCert({ name: 'Bench Root', ca: true, kind: 'rsa2048', serial: serial() });
const upper = await makeCert({ name: 'Bench Upper CA', ca: true, issuer: root, kind: 'p384', serial: serial() });
const lower = await makeCert({ name: 'Bench Issuing CA', ca: true, issuer: upper, serial: serial() });
const leaf = await makeCert({ name: 'www.bench.test', issuer: lower, san: [{ type: 'dns', value: 'www.bench.test' }], eku: [SERVER_AUTH], serial: serial() });
const all: Identity[] = [leaf, lower, upper, root];

const chain: WorkbenchChain = { certificates: all.map((c) => c.der), anchors: [], crls: [] };
const names = ['www.bench.test', 'other.bench.test'];
mozillaTrustStore(); // decoded once, as the page does on first use

async function timeDecisions(settings: WorkbenchSettings): Promise<{ median: number; verdicts: Set<string> }> {
  const ms: number[] = [];
  const verdicts = new Set<string>();
  let previous;
  for (let i = 0; i < RUNS; i++) {
    // Everything a what-if costs before React draws: the decision, the policy tree, the search laid out as a graph.
    const started = performance.now();
    const d = await decide(chain, { ...settings, name: names[i % 2] }, mozillaTrustStore, previous);
    if (d.result.search) buildSearchGraph(d.result.search);
    ms.push(performance.now() - started);
    previous = d.result;
    verdicts.add(d.result.error?.code ?? 'OK');
  }
  return { median: median(ms), verdicts };
}

function timeNode(): number {
  const ms: number[] = [];
  const certs = all.map((c) => new X509Certificate(c.der));
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    // Parse as the workbench does on each decision, then the links, the dates and the name.
    const fresh = all.map((c) => new X509Certificate(c.der));
    let ok = true;
    for (let k = 0; k + 1 < fresh.length; k++) ok &&= fresh[k].verify(fresh[k + 1].publicKey);
    ok &&= fresh.every((c) => new Date(c.validFrom) <= NOW && NOW <= new Date(c.validTo));
    ok &&= fresh[0].checkHost(names[i % 2]) !== undefined;
    ms.push(performance.now() - t0);
    if (i === 0 && !ok) throw new Error('the reference did not verify the chain');
  }
  void certs;
  return median(ms);
}

const base: WorkbenchSettings = { ...DEFAULT_SETTINGS, time: NOW.toISOString(), trustChainRoot: true };
const node = timeNode();
const withMozilla = await timeDecisions(base);
const ownRootOnly = await timeDecisions({ ...base, mozilla: false });
const strict = await timeDecisions({ ...base, profile: 'cabf', mozilla: false });

console.log(`workbench re-decision, 4-certificate chain (RSA-2048 root, P-384 and P-256 CAs, P-256 leaf), median of ${RUNS}, host name alternating (decision + policy tree + search graph layout):`);
console.log(`  reference: Node X509Certificate parse + verify x3 + dates + checkHost: ${node.toFixed(3)} ms`);
for (const [label, r] of [['Mozilla store + this chain\'s root', withMozilla], ['this chain\'s root only', ownRootOnly], ['strict CA/B profile', strict]] as const) {
  console.log(`  workbench, ${label.padEnd(34)} ${r.median.toFixed(3)} ms  (${(r.median / node).toFixed(1)}x the reference; verdicts ${[...r.verdicts].join(', ')})`);
}
const worst = Math.max(withMozilla.median, ownRootOnly.median, strict.median);
console.log(`  goal < 50 ms: ${worst < 50 ? 'met' : 'NOT met'} (worst median ${worst.toFixed(2)} ms)`);
