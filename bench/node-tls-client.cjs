// The floor bench/cli.ts sets beside `tls-lens connect`: Node's own TLS client (OpenSSL in C underneath) as a whole
// process, doing the same job as `connect --ca FILE --servername NAME --json`: it loads node:tls, node:crypto and
// node:net, connects, verifies the chain and the name against the same anchor, prints one JSON line of the result
// and closes. What is left between it and bare node is what any JavaScript client that loads those builtins pays
// on this machine. CommonJS, started like bin/tls-lens.js (no ES module loader).
// Usage: node bench/node-tls-client.cjs HOST:PORT SERVERNAME CA_PEM_FILE   (exit 0 verified, 1 otherwise)
'use strict';
const fs = require('node:fs');
const tls = require('node:tls');

const [target, servername, caFile] = process.argv.slice(2);
const colon = target.lastIndexOf(':');
const socket = tls.connect({ host: target.slice(0, colon), port: Number(target.slice(colon + 1)), servername, ca: fs.readFileSync(caFile) }, () => {
  // The chain as connect reports it: subject, issuer, dates and SHA-256 of each certificate the server sent.
  const chain = [];
  for (let c = socket.getPeerCertificate(true); c && c.raw && chain.length < 10; c = c.issuerCertificate === c ? null : c.issuerCertificate) {
    chain.push({ subject: c.subject, issuer: c.issuer, notBefore: c.valid_from, notAfter: c.valid_to, sha256: c.fingerprint256 });
  }
  const result = { ok: socket.authorized, version: socket.getProtocol(), cipherSuite: socket.getCipher().standardName, group: socket.getEphemeralKeyInfo().name ?? null, chain };
  fs.writeSync(1, JSON.stringify(result) + '\n');
  process.exitCode = socket.authorized ? 0 : 1;
  socket.end();
});
socket.on('error', (e) => {
  fs.writeSync(1, JSON.stringify({ ok: false, error: e.message }) + '\n');
  process.exitCode = 1;
});
