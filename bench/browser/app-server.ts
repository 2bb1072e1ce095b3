// The real TLS Lens server (web app, bridge, lab) for bench/browser.ts, as `npm start` runs it, except that the
// bridge may reach the benchmark's own `openssl s_server` on loopback (the test-only port list the bridge's
// tests use; the command line never allows loopback). Usage: tsx app-server.ts APP_DIR PORT S_SERVER_PORT
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [appDir, port, targetPort] = process.argv.slice(2);
const { startServer } = (await import(pathToFileURL(path.join(appDir, 'server/app.ts')).href)) as typeof import('../../server/app.ts');
const running = await startServer({
  port: Number(port),
  distDir: path.join(appDir, 'dist'),
  lab: { pkiDir: path.join(appDir, '.lab', 'pki') },
  bridge: { allow: [`127.0.0.1:${targetPort}`], testOnlyLoopbackPorts: [Number(targetPort)] },
});
const stop = () => void running.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
