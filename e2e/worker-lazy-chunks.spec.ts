// The engine worker loads the certificate checker in its own chunk once a Connect begins (src/worker/engine-adapter.ts),
// so less compiles before the ClientHello leaves. A chunk that cannot be loaded fails that connection with a plain
// message, keeps everything read up to then, and the next Connect loads it again.
import { expect, test } from '@playwright/test';
import { connectScenario, handshakeNames, openApp, savedTrace, waitForStatus } from './helpers.ts';

test('the certificate checker failing to load: a plain error, the trace so far kept, the next Connect works', async ({ page, context }) => {
  const checker = /\/assets\/verifier-[\w-]+\.js$/;
  let refused = 0;
  // The worker's requests go through the context's routes.
  await context.route(checker, (route) => {
    refused++;
    return route.abort('connectionfailed');
  });
  await openApp(page);
  await connectScenario(page, 'good-tls13');
  await waitForStatus(page, 'failed');
  expect(refused).toBeGreaterThan(0);
  await expect(page.getByTestId('status')).toContainText('certificate checker could not be loaded');
  // What was read before the check stays shown: the server's flight up to its Certificate.
  const names = handshakeNames((await savedTrace(page)).events);
  expect(names).toEqual(expect.arrayContaining(['ClientHello', 'ServerHello', 'Certificate']));

  await context.unroute(checker);
  await page.getByTestId('toggle-connect').click();
  await connectScenario(page, 'good-tls13');
  await waitForStatus(page, 'connected');
  await expect(page.getByTestId('status')).toContainText('TLSv1.3');
});
