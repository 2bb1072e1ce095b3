// The cold-page reference for bench/browser.ts: a page whose one script is subtls and a first handshake through
// the bridge, as small as a browser TLS client page gets. `window.firstHandshake` resolves with the time
// (performance.now, from navigation start) the server's Finished was checked.
import { TrustedCert } from 'subtls';
import { subtlsConnect } from './subtls-connect.ts';

declare const BENCH: { url: string; anchorPem: string; serverName: string };

(window as unknown as { firstHandshake: Promise<number> }).firstHandshake = (async () => {
  const roots = await TrustedCert.databaseFromPEM(BENCH.anchorPem);
  const conn = await subtlsConnect(BENCH.url, BENCH.serverName, roots);
  const t = performance.now();
  conn.ws.close();
  return t;
})();
