// Builds the browser app (dist/) and the engine's module worker. In dev (`vite`), forwards the API
// and the bridge to a running TLS Lens server (TLS_LENS_PORT, default 5174), presenting the
// server's own host and origin, which are the only ones it answers.
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The built page starts the engine's worker from its head, before the app's scripts have loaded: the worker's
 * download and compile then overlap the app's (src/ui/engine-boot.ts hands it to worker-client.ts).
 */
function bootEngineWorker(): Plugin {
  let base = '/';
  return {
    name: 'tls-lens-boot-engine-worker',
    apply: 'build',
    configResolved(config) {
      base = config.base;
    },
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const file = Object.keys(ctx.bundle ?? {}).find((f) => /(^|\/)engine\.worker-[\w-]+\.js$/.test(f));
        if (!file) throw new Error('the engine worker is missing from the build');
        const start = `window.tlsLensEngine = new Worker(${JSON.stringify(base + file)}, { type: 'module', name: 'tls-lens-engine' });`;
        return [{ tag: 'script', children: start, injectTo: 'head-prepend' }];
      },
    },
  };
}

const serverPort = process.env.TLS_LENS_PORT ?? '5174';
const server = `127.0.0.1:${serverPort}`;

export default defineConfig({
  plugins: [react(), bootEngineWorker()],
  build: { outDir: 'dist', target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 1000 },
  worker: { format: 'es' },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': { target: `http://${server}`, changeOrigin: true },
      '/bridge': {
        target: `ws://${server}`,
        ws: true,
        changeOrigin: true,
        configure: (proxy) => {
          proxy.on('proxyReqWs', (req) => req.setHeader('origin', `http://${server}`));
        },
      },
    },
  },
});
