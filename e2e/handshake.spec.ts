// A full TLS 1.3 handshake with the lab, stepped message by message; the inspector and the key
// schedule are checked against the trace the page saves.
import { expect, test } from '@playwright/test';
import type { HandshakeMessageEvent, KeyScheduleEvent, RecordEvent } from '../src/trace/types.ts';
import { explain } from '../src/trace/explain.ts';
import type { FieldNode } from '../src/trace/types.ts';
import { connectScenario, expectAccessible, openApp, openPanel, savedTrace, shot, waitForStatus } from './helpers.ts';

test('TLS 1.3 handshake stepped message by message, inspector and key schedule match the trace', async ({ page }) => {
  await openApp(page);
  await expectAccessible(page, 'the Connect view');
  await page.locator('summary', { hasText: 'Handshake options' }).click();
  await expectAccessible(page, 'the Connect view with its options open');
  await shot(page, 'connect-options');
  await page.locator('summary', { hasText: 'Handshake options' }).click();
  await connectScenario(page, 'good-tls13', { step: true });

  // Walk the live handshake: each press of Step lets the engine produce the next message.
  const step = page.getByTestId('step-forward');
  const seen: string[] = [];
  const snapshot = async () => `${await page.getByTestId('status').getAttribute('data-status')}|${await page.getByTestId('position').textContent()}`;
  for (let i = 0; i < 60; i++) {
    const status = await page.getByTestId('status').getAttribute('data-status');
    if (status === 'connected' || status === 'closed' || status === 'failed') break;
    if (status !== 'paused') {
      await page.waitForTimeout(100);
      continue;
    }
    const before = await snapshot();
    await step.click();
    // The engine goes on and pauses after the next message (or finishes): the page must show a change.
    await expect.poll(snapshot, { timeout: 15_000 }).not.toBe(before);
    await expect(page.getByTestId('status')).not.toHaveAttribute('data-status', 'connecting', { timeout: 15_000 });
    const current = page.locator('.lrow[aria-current="step"]');
    seen.push((await current.getAttribute('data-kind')) + ':' + (await current.innerText()));
  }
  await waitForStatus(page, 'connected');
  await shot(page, 'handshake-stepped');

  const trace = await savedTrace(page);
  const messages = trace.events.filter((e): e is HandshakeMessageEvent => e.kind === 'handshake');
  const names = messages.map((m) => m.name);
  expect(names.slice(0, 2)).toEqual(['ClientHello', 'ServerHello']);
  expect(names).toContain('EncryptedExtensions');
  expect(names).toContain('CertificateVerify');
  expect(names.filter((n) => n === 'Finished')).toHaveLength(2);
  // We stopped after each message: every handshake message of the trace was a step of its own.
  const steppedHandshake = seen.filter((s) => s.startsWith('handshake:')).map((s) => s.replace(/^handshake:/, '').replace(/[→←\s]/g, ''));
  for (const n of names.slice(1, names.indexOf('Finished') + 1)) expect(steppedHandshake).toContain(n);

  // The ladder lists exactly the trace's handshake messages, in order.
  const ladderNames = await page.locator('.lrow[data-kind="handshake"] .arrow-label').allInnerTexts();
  expect(ladderNames.map((s) => s.replace(/[→←]/g, '').trim())).toEqual(names);

  // Inspector: each message's title, field tree and bytes come from its trace event.
  const rows = page.locator('.lrow[data-kind="handshake"]');
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    await rows.nth(i).click();
    await expect(page.locator('.insp-title')).toContainText(m.name);
    const topFields = await page.locator('[data-testid="fieldtree"] > li > button .fname').allInnerTexts();
    expect(topFields).toEqual(m.fields.map((f) => f.name));
    const firstLine = await page.locator('[data-testid="hexdump"] .hexline').first().locator('.byte').allInnerTexts();
    expect(firstLine.join('')).toBe(m.bytes.slice(0, firstLine.length * 2));
    // Click a byte inside the body: its field is selected and explained, and its bytes lit.
    const probe = Math.min(5, m.bytes.length / 2 - 1);
    await page.locator(`[data-testid="hexdump"] .byte[data-offset="${probe}"]`).click();
    await expect(page.getByTestId('explain')).toBeVisible();
    await expect(page.locator(`[data-testid="hexdump"] .byte[data-offset="${probe}"]`)).toHaveClass(/on/);
    if (m.epoch === 'handshake') {
      const rec = trace.events[m.records[0]] as RecordEvent;
      await expect(page.getByTestId('nonce').first()).toHaveText(rec.protection!.nonce);
      await expect(page.getByTestId('record-details').first()).toContainText('✓ recomputed');
    }
  }
  // Field → bytes: selecting the ClientHello's random lights exactly its span and shows the catalogue's words.
  const hello = messages[0];
  const findField = (list: FieldNode[], key: string): FieldNode | undefined => {
    for (const f of list) {
      if (f.explain === key) return f;
      const inner = f.children && findField(f.children, key);
      if (inner) return inner;
    }
    return undefined;
  };
  const random = findField(hello.fields, 'ch.random')!;
  expect(random).toBeDefined();
  await rows.nth(0).click();
  await page.locator(`[data-testid="fieldtree"] button[data-field="${random.name}"]`).first().click();
  const lit = await page.locator('[data-testid="hexdump"] .byte.on').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-offset'))));
  expect(lit[0]).toBe(random.start);
  expect(lit.at(-1)).toBe(Math.min(random.end, 16 * 24) - 1);
  const entry = explain('ch.random')!;
  await expect(page.getByTestId('explain')).toContainText(entry.title);
  await expect(page.getByTestId('explain')).toContainText(entry.text);
  await expect(page.getByTestId('explain').getByRole('link')).toHaveAttribute('href', entry.url);
  await shot(page, 'handshake-clienthello-random');

  await page.locator('.lrow[data-kind="handshake"]', { hasText: 'EncryptedExtensions' }).click();
  await shot(page, 'handshake-inspector');
  await expectAccessible(page, 'the ladder and the message inspector');

  // Key schedule at the end: every derivation of the trace, with its real value.
  await page.getByTestId('step-forward').focus();
  await page.keyboard.press('End');
  await openPanel(page, 'Key schedule');
  const keys = trace.events.filter((e): e is KeyScheduleEvent => e.kind === 'key');
  expect(keys.length).toBeGreaterThanOrEqual(8);
  const shown = await page.locator('[data-testid="keytree"] .keyvalue').allInnerTexts();
  expect(shown.sort()).toEqual(keys.map((k) => k.output).sort());
  for (const name of ['client_handshake_traffic_secret', 'server_application_traffic_secret_0']) {
    const k = keys.find((x) => x.name === name);
    if (k) await expect(page.getByTestId(`key-${name}`).first().locator('.keyvalue')).toHaveText(k.output);
  }
  // The transcript each hash covered is named message by message.
  const transcripts = trace.events.filter((e) => e.kind === 'transcript');
  expect(transcripts.length).toBeGreaterThan(0);
  await expect(page.locator('.keynode .context button', { hasText: 'ServerHello' }).first()).toBeVisible();
  await shot(page, 'handshake-keys');
  // At the ServerHello step, the handshake secrets are the ones marked new.
  await page.locator('.lrow[data-kind="handshake"]', { hasText: 'ServerHello' }).click();
  await expect(page.locator('.keynode.fresh[data-key="server_handshake_traffic_secret"]')).toBeVisible();
  await expect(page.locator('.keynode[data-key="client_application_traffic_secret_0"]')).toHaveCount(0);
  await page.keyboard.press('End');
  await expectAccessible(page, 'the key schedule');

  // At the client's Finished, the handshake call returns success in each API.
  await page.locator('.lrow.from-client[data-kind="handshake"]', { hasText: 'Finished' }).click();
  await openPanel(page, 'API calls');
  const api = page.getByTestId('api-view');
  await expect(api).toContainText('SSL_connect(ssl)');
  await expect(api).toContainText('noErr');
  // Without a deferred handshake, Windows CE's connect() itself performs it.
  await expect(api).toContainText('connect()');
  await expectAccessible(page, 'the API view');
  await openPanel(page, 'Certificates');
  await expect(page.getByTestId('cert-verdict')).toContainText('verified');
  await expect(page.getByTestId('cert-details')).toBeVisible();
  await expect(page.getByTestId('cert-details')).toContainText('lab.tls-lens.test');
  // ASN.1 ↔ bytes: a byte of the certificate selects the narrowest ASN.1 element holding it.
  const certHex = page.getByTestId('cert-details').getByTestId('hexdump');
  await certHex.locator('.byte[data-offset="4"]').click();
  await expect(page.locator('.asn1 button[aria-pressed="true"]')).toHaveCount(1);
  await expect(certHex.locator('.byte[data-offset="4"]')).toHaveClass(/on/);
  await shot(page, 'handshake-certificates');
  await expectAccessible(page, 'the certificates view');

  // KeyUpdate: the client's message on the ladder, and the next generation of its traffic secret.
  await expect(page.getByTestId('status')).toContainText('TLSv1.3');
  const keysBefore = keys.length;
  await page.getByTestId('key-update').click();
  await expect(page.locator('.lrow.from-client[data-kind="handshake"]', { hasText: 'KeyUpdate' })).toBeVisible();
  // The next secret is derived just after the message goes out.
  await expect
    .poll(async () => (await savedTrace(page)).events.filter((e) => e.kind === 'key' && e.name.includes('next_application_traffic_secret')).length, { timeout: 10_000 })
    .toBeGreaterThan(0);
  expect((await savedTrace(page)).events.filter((e) => e.kind === 'key').length).toBeGreaterThan(keysBefore);

  // Application data both ways once connected: the lab server answers an HTTP request.
  await page.getByTestId('send-button').click();
  const reply = page.locator('.lrow.from-server[data-kind="app-data"]').first();
  await expect(reply).toBeVisible();
  await reply.click();
  await openPanel(page, 'Message');
  await expect(page.getByTestId('appdata-text')).toContainText('good-tls13');
  await expect(page.getByTestId('record-details')).toContainText('✓ recomputed');
});
