// Builds the browser app (dist/) and the engine's module worker; in dev, forwards the API and
// the bridge to a running TLS Lens server (TLS_LENS_PORT, default 8080).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const serverPort = process.env.TLS_LENS_PORT ?? '8080';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 800 },
  worker: { format: 'es' },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': `http://127.0.0.1:${serverPort}`,
      '/bridge': { target: `ws://127.0.0.1:${serverPort}`, ws: true },
    },
  },
});
