// Builds the browser app (dist/) and the engine's module worker; the built index.html shows the first screen and
// starts the worker before the app's scripts load (src/ui/boot/prerender-plugin.ts). In dev (`vite`), forwards the API
// and the bridge to a running TLS Lens server (TLS_LENS_PORT, default 5174), presenting the
// server's own host and origin, which are the only ones it answers.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { prerenderFirstScreen } from './src/ui/boot/prerender-plugin.ts';

const serverPort = process.env.TLS_LENS_PORT ?? '5174';
const server = `127.0.0.1:${serverPort}`;

export default defineConfig({
  plugins: [react(), prerenderFirstScreen()],
  build: {
    outDir: 'dist',
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1000,
    // The page's entry and what it imports statically in one chunk: without the group, Rolldown puts modules the
    // entry shares with lazy chunks (the message decoder, util/bytes, lazy hex) in small chunks of their own, and
    // the first screen asks for seven modules instead of three (one request each on a real network).
    rolldownOptions: { output: { codeSplitting: { groups: [{ name: 'index', test: /src[\\/]ui[\\/]main\.tsx$/ }] } } },
  },
  worker: {
    format: 'es',
    // The engine worker's first chunk is one file: its entry module and everything that module imports statically.
    // Without this group, Rolldown (1.2) moves modules the first chunk shares with several lazy chunks (util/bytes.ts,
    // @noble/ciphers' utils) into small chunks of their own once the worker has eight chunks, and the worker then
    // waits for a second round of requests before it can run. (The group matches nothing in the both-sides worker.)
    rolldownOptions: { output: { codeSplitting: { groups: [{ name: 'engine.worker', test: /src[\\/]worker[\\/]engine\.worker\.ts$/ }] } } },
  },
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
