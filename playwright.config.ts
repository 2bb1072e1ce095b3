// Browser tests in Debian's Chromium against the real TLS Lens server, started the way
// `npm start` starts it (build, then the server with its lab), on a test port.
import { defineConfig } from '@playwright/test';

const PORT = Number(process.env.TLS_LENS_E2E_PORT ?? 47813);
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results',
  timeout: 90_000,
  expect: { timeout: 20_000 },
  // One worker: the lab servers and the 2-core machine are shared.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    browserName: 'chromium',
    launchOptions: { executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS },
    acceptDownloads: true,
    screenshot: 'only-on-failure',
    viewport: { width: 1400, height: 900 },
  },
  webServer: {
    command: `./node_modules/.bin/vite build --logLevel warn && exec ./node_modules/.bin/tsx server/main.ts --port ${PORT} --serve-port 0`,
    url: `http://127.0.0.1:${PORT}/api/lab`,
    reuseExistingServer: false,
    timeout: 240_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
