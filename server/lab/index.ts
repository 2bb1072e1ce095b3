// startLab: the PKI plus one real server per scenario, all on loopback.
import path from 'node:path';
import type { LabPki } from './pki.ts';
import { ensureLabPki } from './pki.ts';
import type { LabScenario, ScenarioSpec } from './scenarios.ts';
import { publicScenario, SCENARIOS } from './scenarios.ts';
import { startNodeTlsScenario } from './node-tls-server.ts';
import { startKeyUpdateScenario } from './openssl-keyupdate.ts';
import { startSmtpScenario } from './smtp-starttls.ts';
import { startTlsLensScenario } from './tls-lens-server.ts';
import { dovecotUnavailable, startDovecot } from './dovecot.ts';
import { startOcspResponder, type OcspResponder } from './ocsp-responder.ts';

export { LAB_HOST } from './pki.ts';
export type { LabScenario } from './scenarios.ts';

export interface LabOptions {
  /** Where the PKI lives (generated if absent). Default: `.lab/pki` in the current directory. */
  pkiDir?: string;
  /** Loopback address the servers bind to. */
  address?: string;
  /** Only these scenario ids (default: all). */
  only?: string[];
  /** Called for a scenario that cannot run here (e.g. dovecot missing); it is left out of the list. */
  onUnavailable?: (id: string, reason: string) => void;
  /** Where Dovecot listens (default 127.0.0.2, see below). */
  dovecotAddress?: string;
}

export interface Lab {
  scenarios: LabScenario[];
  pki: LabPki & { generated: boolean };
  /** The scenario whose server listens on this port, if any. */
  byPort(port: number): LabScenario | undefined;
  byId(id: string): LabScenario | undefined;
  stop(): Promise<void>;
}

export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const address = options.address ?? '127.0.0.1';
  const pki = await ensureLabPki(options.pkiDir ?? path.resolve('.lab/pki'));
  const wanted = SCENARIOS.filter((s) => !options.only || options.only.includes(s.id));
  const stops: Array<() => Promise<void>> = [];
  const ports = new Map<string, number>();
  const addresses = new Map<string, string>();
  const stopAll = async () => {
    await Promise.allSettled(stops.splice(0).map((stop) => stop()));
  };

  try {
    // Fresh OCSP responses at every start: the PKI on disk lives for months, a response for an hour.
    const stapled = wanted.flatMap((s) => (s.kind === 'node-tls' && s.stapleOcsp ? [s.leaf] : []));
    let ocsp: OcspResponder | undefined;
    if (stapled.length) {
      ocsp = await startOcspResponder(pki, { prepare: stapled });
      stops.push(ocsp.stop);
    }
    const dovecotSpecs = wanted.filter((s) => s.kind === 'dovecot');
    const others = wanted.filter((s) => s.kind !== 'dovecot');
    const started = await Promise.all(others.map((spec) => startOne(spec, pki, address, ocsp)));
    others.forEach((spec, i) => {
      ports.set(spec.id, started[i].port);
      stops.push(started[i].stop);
    });
    if (dovecotSpecs.length) {
      const why = dovecotUnavailable();
      if (why) {
        for (const s of dovecotSpecs) options.onUnavailable?.(s.id, why);
      } else {
        // Dovecot treats a client whose IP equals the listening IP as secure and would allow
        // plaintext login before STARTTLS; on a second loopback address it behaves as for a remote client.
        const dovecotAddress = options.dovecotAddress ?? (address === '127.0.0.1' ? '127.0.0.2' : address);
        const dovecot = await startDovecot(pki, dovecotAddress).catch(() => startDovecot(pki, address));
        stops.push(dovecot.stop);
        for (const s of dovecotSpecs) {
          ports.set(s.id, s.protocol === 'imap' ? dovecot.imapPort : dovecot.pop3Port);
          addresses.set(s.id, dovecot.address);
        }
      }
    }
  } catch (err) {
    await stopAll();
    throw err;
  }

  const scenarios = wanted.filter((s) => ports.has(s.id)).map((s) => publicScenario(s, ports.get(s.id)!, addresses.get(s.id) ?? address));
  return {
    scenarios,
    pki,
    byPort: (port) => scenarios.find((s) => s.port === port),
    byId: (id) => scenarios.find((s) => s.id === id),
    stop: stopAll,
  };
}

function startOne(spec: ScenarioSpec, pki: LabPki, address: string, ocsp: OcspResponder | undefined) {
  switch (spec.kind) {
    case 'node-tls':
      return startNodeTlsScenario(spec, pki, address, ocsp);
    case 'openssl-keyupdate':
      return startKeyUpdateScenario(pki, address);
    case 'smtp':
      return startSmtpScenario(pki, address);
    case 'tls-lens':
      return startTlsLensScenario(spec, pki, address);
    case 'dovecot':
      throw new Error('dovecot scenarios start together');
  }
}

