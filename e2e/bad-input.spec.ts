// Bad input at the page's file and paste entry points, in Chromium: each is answered in plain words, the page keeps
// working (no uncaught exception, no console error), and what was read before the damage is still shown.
// Saved traces whose fields have the wrong types (Open trace, Compare, a #replay link), a capture cut short in the
// middle of a packet, CRL files that are no CRL, names with control and bidirectional characters, and a second large
// bundle pasted into the workbench.
import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TraceEvent } from '../src/trace/types.ts';
import { recordRealTrace } from '../test/ui/real-trace.ts';
import { makePki } from '../test/tls/helpers.ts';
import { captureOpenssl } from '../test/capture/helpers.ts';
import { openApp, waitForStatus } from './helpers.ts';

/** Every uncaught exception and console error of the page, to assert there were none. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

const json = (name: string, value: unknown) => ({ name, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(value)) });

let events: TraceEvent[];
const traceOf = (evs: any[]) => ({ format: 'tls-lens-trace', version: 1, createdAt: '2026-12-07T00:00:00.000Z', target: '127.0.0.1:443', events: evs });
/** The real trace with one event spoiled; returns the file and the spoiled event's index. */
function spoiled(spoil: (evs: any[]) => number) {
  const evs = structuredClone(events) as any[];
  const at = spoil(evs);
  return { file: traceOf(evs), at };
}
const firstOf = (evs: any[], kind: string) => evs.findIndex((e) => e.kind === kind);

test.beforeAll(async () => {
  events = JSON.parse(JSON.stringify((await recordRealTrace()).events));
});

/** Walk the session views: every ladder row under each panel that reads the events. */
async function visitEverything(page: Page) {
  const rows = page.locator('.ladder .lrow');
  const n = await rows.count();
  for (const tab of ['Message', 'Key schedule', 'Certificates', 'API calls']) {
    await page.getByRole('tab', { name: tab }).click();
    for (let i = 0; i < n; i++) await rows.nth(i).click();
  }
}

test('a saved trace whose fields have the wrong types opens as far as it is sound, in plain words', async ({ page }) => {
  const errors = watchErrors(page);
  await openApp(page);
  // Each of these took the whole page down (a view threw on it) before the trace was checked on opening.
  const cases: [ReturnType<typeof spoiled>, string][] = [
    [
      spoiled((evs) => {
        const i = firstOf(evs, 'record');
        evs[i].bytes = 12345;
        return i;
      }),
      '“bytes” is a number, not hex text (an even number of 0-9 a-f digits)',
    ],
    [
      spoiled((evs) => {
        const i = evs.findIndex((e) => e.kind === 'handshake' && e.name === 'Certificate');
        evs[i].fields = 'oops';
        return i;
      }),
      '“fields” is text, not a list of decoded fields',
    ],
    [
      spoiled((evs) => {
        const i = firstOf(evs, 'key');
        evs[i].inputs = 'secret';
        return i;
      }),
      '“inputs” is text, not a list',
    ],
    [
      spoiled((evs) => {
        const i = firstOf(evs, 'cert-result');
        evs[i].chain = 'abc';
        return i;
      }),
      '“chain” is text, not a list',
    ],
  ];
  for (const [k, [{ file, at }, problem]] of cases.entries()) {
    await page.getByTestId('open-trace-input').setInputFiles(json(`spoiled-${k}.json`, file));
    await waitForStatus(page, 'replay');
    await expect(page.getByTestId('error')).toContainText(`“spoiled-${k}.json” is damaged part-way: event ${at} (“${file.events[at].kind}”) is damaged: ${problem}; the ${at} events before it are shown.`);
    await expect(page.locator('.ladder .lrow').first()).toBeVisible();
    await visitEverything(page);
  }
  // Reopened from its #replay link: the same part, the same words.
  await page.reload();
  await waitForStatus(page, 'replay');
  await expect(page.getByTestId('error')).toContainText('“chain” is text, not a list');
  await expect(page.getByTestId('status')).toContainText('Offline replay of spoiled-3.json');
  // Damaged at its first event: nothing to show, said so, and the session on screen stays.
  const first = spoiled((evs) => ((evs[0].conn = 'zero'), 0));
  await page.getByTestId('open-trace-input').setInputFiles(json('first.json', first.file));
  await expect(page.getByTestId('error')).toHaveText(/That file could not be opened: event 0 \(“connection”\) is damaged: “conn” is text, not a number; nothing before it can be shown/);
  await expect(page.getByTestId('status')).toContainText('Offline replay of spoiled-3.json');
  expect(errors).toEqual([]);
});

test('Compare: a damaged trace is compared as far as it is sound, and the page stays', async ({ page }) => {
  const errors = watchErrors(page);
  await openApp(page);
  await page.getByTestId('toggle-compare').click();
  const bad = spoiled((evs) => {
    evs.push({ kind: 'error', code: 'X', message: { not: 'text' }, index: evs.length, t: 0, conn: 0 });
    return evs.length - 1;
  });
  await page.getByTestId('compare-file-a').setInputFiles(json('a.json', bad.file));
  await page.getByTestId('compare-file-b').setInputFiles(json('b.json', traceOf(events)));
  await expect(page.getByTestId('compare-error-a')).toHaveText(`“a.json” is damaged part-way: event ${bad.at} (“error”) is damaged: “message” is an object, not text; the ${bad.at} events before it are shown.`);
  await expect(page.getByTestId('compare-name-a')).toHaveText('a.json');
  await expect(page.getByTestId('compare-view')).toContainText('Handshake B');
  const chain = spoiled((evs) => {
    const i = firstOf(evs, 'cert-result');
    evs[i].chain = 'abc';
    return i;
  });
  await page.getByTestId('compare-file-a').setInputFiles(json('c.json', chain.file));
  await expect(page.getByTestId('compare-error-a')).toContainText('“chain” is text, not a list');
  await expect(page.getByTestId('compare-view')).not.toContainText('Cannot read properties');
  expect(errors).toEqual([]);
});

test('a capture cut short in the middle of a packet: its one stream is shown and the damage is said', async ({ page }) => {
  const pki = makePki();
  const run = await captureOpenssl(pki, 'e2e-cut', [], [{ args: [] }]);
  try {
    // pcap: 24-byte file header, then per packet a 16-byte header with its captured length at +8.
    const pcap = fs.readFileSync(run.pcap);
    let p = 24;
    while (p + 16 <= pcap.length && p < pcap.length * 0.7) p += 16 + pcap.readUInt32LE(p + 8);
    const cut = pcap.subarray(0, p + 16 + 5);
    const errors = watchErrors(page);
    await openApp(page);
    await page.getByTestId('open-capture-input').setInputFiles({ name: 'cut.pcap', mimeType: 'application/vnd.tcpdump.pcap', buffer: cut });
    await waitForStatus(page, 'replay');
    await expect(page.getByTestId('stream-0')).toBeVisible();
    await expect(page.locator('.lrow[data-kind="handshake"]', { hasText: 'ClientHello' }).first()).toBeVisible();
    await expect(page.getByTestId('error')).toContainText('The capture is damaged (TRUNCATED): the file ends in the middle of a packet');
    await expect(page.getByTestId('capture-damage')).toContainText('The streams read before it are listed.');
    // Opening the stream again keeps the capture's damage said beside its streams.
    await page.getByTestId('stream-0').click();
    await expect(page.getByTestId('capture-damage')).toContainText('the file ends in the middle of a packet');
    expect(errors).toEqual([]);
  } finally {
    fs.rmSync(run.dir, { recursive: true, force: true });
    fs.rmSync(pki.dir, { recursive: true, force: true });
  }
});

test('workbench CRLs: a damaged PEM and a certificate given as a CRL are refused in plain words', async ({ page }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-bad-crl-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k.pem', '-subj', '/CN=crl.test', '-days', '3', '-out', 'c.pem', '-outform', 'PEM'], { cwd: dir, stdio: 'pipe' });
    execFileSync('openssl', ['x509', '-in', 'c.pem', '-outform', 'DER', '-out', 'c.der'], { cwd: dir, stdio: 'pipe' });
    const errors = watchErrors(page);
    await openApp(page);
    await page.getByTestId('open-workbench').click();
    await page.getByTestId('pick-chain').setInputFiles(path.join(dir, 'c.pem'));
    await expect(page.getByTestId('wb-verdict')).toBeVisible();
    const crl = (name: string, text: string) => ({ name, mimeType: 'application/pkix-crl', buffer: Buffer.from(text) });
    await page.getByTestId('pick-crls').setInputFiles(crl('broken.crl', '-----BEGIN X509 CRL-----\n!!!!\n-----END X509 CRL-----\n'));
    await expect(page.getByTestId('input-problems')).toContainText('broken.crl: the PEM block does not hold valid base64; no CRL was added from it');
    await page.getByTestId('pick-crls').setInputFiles(crl('cut.crl', '-----BEGIN X509 CRL-----\nMIIB\n'));
    await expect(page.getByTestId('input-problems')).toContainText('cut.crl: the PEM block "X509 CRL" has no END line; no CRL was added from it');
    await page.getByTestId('pick-crls').setInputFiles(path.join(dir, 'c.der'));
    await expect(page.getByTestId('input-problems')).toContainText('c.der: it holds a certificate, not a CRL; it was not added');
    await expect(page.getByTestId('whatif')).toContainText('Add CRLs (0)');
    await expect(page.getByTestId('wb-verdict')).toBeVisible();
    expect(errors).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('names with control and bidirectional characters are shown written out, never turning the words around', async ({ page }) => {
  const errors = watchErrors(page);
  await openApp(page);
  const name = 'trace\u202Enosj.exe\u001b[31m.json';
  const shown = 'trace\\u202enosj.exe\\u001b[31m.json';
  await page.getByTestId('open-trace-input').setInputFiles(json(name, traceOf(events)));
  await waitForStatus(page, 'replay');
  await expect(page.getByTestId('status')).toHaveText(`Offline replay of ${shown}`);
  await page.getByTestId('toggle-compare').click();
  await page.getByTestId('compare-file-a').setInputFiles(json(name, traceOf(events)));
  await expect(page.getByTestId('compare-name-a')).toHaveText(shown);
  await page.getByTestId('toggle-compare').click();
  await page.getByTestId('open-workbench').click();
  const pem = execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=names.test', '-days', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await page.getByTestId('pick-chain').setInputFiles({ name: 'leaf\u202Emep.crt', mimeType: 'application/x-pem-file', buffer: pem });
  await expect(page.getByTestId('wb-certs')).toContainText('leaf\\u202emep.crt, PEM block 1');
  const texts = await page.locator('body').innerText();
  expect(texts).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u001b]/);
  expect(errors).toEqual([]);
});

test('the workbench adds a second bundle of distinct certificates, and the same bundle again adds nothing', async ({ page }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-lens-bundle-'));
  let der: Buffer;
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k.pem', '-subj', '/CN=bundle.test', '-days', '3', '-outform', 'DER', '-out', 'c.der'], { cwd: dir, stdio: 'pipe' });
    der = fs.readFileSync(path.join(dir, 'c.der'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // Distinct certificates (the last two bytes of the signature counted up): told apart by their SHA-256. (How long a
  // large add takes is a matter for a benchmark, not this test.)
  const bundle = (from: number) =>
    Array.from({ length: 300 }, (_, i) => {
      const d = Buffer.from(der);
      d.writeUInt16BE((from + i) & 0xffff, d.length - 2);
      return `-----BEGIN CERTIFICATE-----\n${d.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
    }).join('');
  const errors = watchErrors(page);
  await openApp(page);
  await page.getByTestId('open-workbench').click();
  /** Paste as the clipboard does (one input event), then add. */
  const add = async (text: string) => {
    await page.getByTestId('paste').evaluate((el, t) => {
      Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!.call(el, t);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    }, text);
    await page.getByTestId('paste-add').click();
  };
  await add(bundle(0));
  await expect(page.getByTestId('wb-certs').locator('li')).toHaveCount(300);
  await add(bundle(300));
  await expect(page.getByTestId('wb-certs').locator('li')).toHaveCount(600);
  await add(bundle(0));
  await expect(page.getByTestId('wb-certs').locator('li')).toHaveCount(600);
  expect(errors).toEqual([]);
});
