// A Node TLS echo server in its own process, for the benches (bench/common.ts starts it): the client under test
// then has the benchmark's process to itself, so its CPU time (process.cpuUsage) is the client's alone.
// Argument: JSON { key, cert (file paths), options (tls.TlsOptions, JSON-safe) }. Prints the port, then echoes
// every byte of every connection until its stdin closes.
import fs from 'node:fs';
import tls from 'node:tls';

const { key, cert, options } = JSON.parse(process.argv[2]) as { key: string; cert: string; options: tls.TlsOptions };
const server = tls.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert), ...options }, (s) => {
  s.on('error', () => undefined);
  s.pipe(s);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as { port: number }).port}\n`));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
