// What the page needs from the TLS Lens server: the lab scenarios, the lab CA and client
// certificate, and the bridge URL.

import type { LabScenario } from '../lab/scenario.ts';
import type { LabClientCert } from '../worker/messages.ts';
import { takeBootFetch } from './engine-boot.ts';

export type { LabScenario };

/** What a Connect sends from the lab: its CA as a trust anchor, its client certificate for a server that asks. */
export type LabFiles = { anchorsPem: string[]; labClientCert?: LabClientCert };

/** The lab's files from what was fetched (null / undefined: not there). */
export const labFilesFrom = (ca: string | null, labClientCert: LabClientCert | undefined): LabFiles => ({ anchorsPem: ca ? [ca] : [], labClientCert });

/** GET `path`: the page's boot script may have asked for it already (engine-boot.ts), else now. */
async function get(path: string): Promise<{ status: number; text: string }> {
  const early = await takeBootFetch(path);
  if (early) return early;
  const res = await fetch(path);
  return { status: res.status, text: await res.text() };
}

const ok = (status: number) => status >= 200 && status < 300;

export async function fetchLab(): Promise<LabScenario[]> {
  const res = await get('/api/lab');
  if (!ok(res.status)) throw new Error(`the lab list could not be loaded (HTTP ${res.status})`);
  const data = JSON.parse(res.text);
  return Array.isArray(data) ? data : Array.isArray(data?.scenarios) ? data.scenarios : [];
}

async function fetchText(path: string): Promise<string> {
  const res = await get(path);
  if (!ok(res.status)) throw new Error(`${path} could not be loaded (HTTP ${res.status})`);
  return res.text;
}

export const LAB_PATHS = {
  ca: '/api/lab/ca.pem',
  clientCert: '/api/lab/client-cert.pem',
  clientKey: '/api/lab/client-key.pem',
};

export async function fetchLabCa(): Promise<string | null> {
  try {
    return await fetchText(LAB_PATHS.ca);
  } catch {
    return null;
  }
}

export async function fetchLabClientCert(): Promise<{ certPem: string; keyPem: string } | undefined> {
  try {
    const [certPem, keyPem] = await Promise.all([fetchText(LAB_PATHS.clientCert), fetchText(LAB_PATHS.clientKey)]);
    return { certPem, keyPem };
  } catch {
    return undefined;
  }
}

export function bridgeUrl(): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  // A bridge started with an access token needs it on every session; the page gets it from its own URL.
  const token = new URLSearchParams(location.search).get('token');
  return `${proto}//${location.host}/bridge${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}
