// The Connect form's choices as plain data, and the request they make. One place for both readers of the form:
// the React view (its state) and the page's boot script (src/ui/boot/shell.ts), which reads the prerendered form's
// controls by their names when Connect is pressed before the app has loaded.
import type { ConnectRequest, LabClientCert, TlsVersionName } from '../worker/messages.ts';
import type { StartTlsProtocol } from '../starttls/protocol.ts';

export const SUITES13 = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
/** Offered unless unticked; the hybrid is in the list to pick, off by default (OpenSSL 3.0, GnuTLS and Node here do not speak it). */
export const DEFAULT_GROUPS = ['x25519', 'secp256r1', 'secp384r1', 'secp521r1'];

export interface ConnectForm {
  mode: 'scenario' | 'target';
  scenario: string;
  target: string;
  sni: string;
  versions: TlsVersionName[];
  suites: string[];
  /** TLS 1.2 suite names as typed (comma or space separated). */
  suites12: string;
  groups: string[];
  shares: string[];
  alpn: string;
  /** Ask for a stapled OCSP response (status_request), as browsers do. */
  statusRequest: boolean;
  starttls: StartTlsProtocol | '';
  clientCert: ConnectRequest['clientCert'];
  bpStep: boolean;
  bpAuth: boolean;
  bpCert: boolean;
  insecure: boolean;
  send: string;
  /** Offer the ticket kept from the last Connect to this server (resumption), as browsers do. */
  resume: boolean;
  /** Sent as 0-RTT early data when resuming with a ticket that allows it; typed escapes as for `send`. */
  earlyData: string;
  keepAppData: boolean;
}

export function defaultConnectForm(initialScenario?: string, autoConnect?: boolean): ConnectForm {
  return {
    mode: 'scenario',
    scenario: initialScenario ?? '',
    target: '',
    sni: '',
    versions: ['TLS1.3', 'TLS1.2'],
    suites: SUITES13,
    suites12: '',
    groups: DEFAULT_GROUPS,
    shares: ['x25519'],
    alpn: '',
    statusRequest: true,
    starttls: '',
    clientCert: 'ask',
    bpStep: !autoConnect,
    bpAuth: false,
    bpCert: true,
    insecure: false,
    send: '',
    resume: true,
    earlyData: '',
    keepAppData: false,
  };
}

/** The form's choices from its controls (each named as its field), for a form that no React state backs yet. Ticked
 * boxes come in the page's order. */
export function readConnectForm(form: HTMLFormElement): ConnectForm {
  const input = (name: keyof ConnectForm) => form.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${name}"]`);
  const text = (name: keyof ConnectForm) => input(name)?.value ?? '';
  const ticked = (name: keyof ConnectForm) => (input(name) as HTMLInputElement | null)?.checked ?? false;
  const tickedValues = (name: keyof ConnectForm) => [...form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]`)].filter((i) => i.checked).map((i) => i.value);
  const defaults = defaultConnectForm();
  return {
    mode: form.querySelector<HTMLInputElement>('input[name="mode"][value="target"]')?.checked ? 'target' : 'scenario',
    scenario: text('scenario'),
    target: text('target'),
    sni: text('sni'),
    versions: tickedValues('versions') as TlsVersionName[],
    suites: tickedValues('suites'),
    suites12: text('suites12'),
    groups: tickedValues('groups'),
    shares: tickedValues('shares'),
    alpn: text('alpn'),
    statusRequest: ticked('statusRequest'),
    starttls: text('starttls') as StartTlsProtocol | '',
    clientCert: (text('clientCert') || defaults.clientCert) as ConnectRequest['clientCert'],
    bpStep: ticked('bpStep'),
    bpAuth: ticked('bpAuth'),
    bpCert: ticked('bpCert'),
    insecure: ticked('insecure'),
    send: text('send'),
    resume: ticked('resume'),
    earlyData: text('earlyData'),
    keepAppData: ticked('keepAppData'),
  };
}

/** What a Connect press sends the worker, besides the form: the scenario's host (its default server name), the
 * anchors and lab client certificate the page has, the bridge. */
export interface RequestContext {
  scenarioHost?: string;
  anchorsPem: string[];
  labClientCert?: LabClientCert;
  bridgeUrl: string;
}

export function connectRequest(f: ConnectForm, ctx: RequestContext): ConnectRequest {
  return {
    scenario: f.mode === 'scenario' ? f.scenario : undefined,
    target: f.mode === 'target' ? f.target.trim() : undefined,
    serverName: f.sni.trim() || (f.mode === 'scenario' ? ctx.scenarioHost : undefined),
    versions: f.versions,
    suites: [...f.suites, ...f.suites12.split(/[\s,]+/).filter(Boolean)],
    groups: f.groups,
    keyShareGroups: f.shares.filter((g) => f.groups.includes(g)),
    alpn: f.alpn.split(/[\s,]+/).filter(Boolean),
    statusRequest: f.statusRequest ? undefined : false,
    starttls: f.starttls || undefined,
    clientCert: f.clientCert,
    breakpoints: { afterEachMessage: f.bpStep, serverAuth: f.bpAuth, clientCertRequest: f.clientCert === 'ask' && f.bpCert },
    insecure: f.insecure,
    anchorsPem: ctx.anchorsPem,
    bridgeUrl: ctx.bridgeUrl,
    labClientCert: ctx.labClientCert,
    sendAfterHandshake: f.send || undefined,
    resume: f.resume ? undefined : false,
    earlyData: f.earlyData || undefined,
    keepAppData: f.keepAppData || undefined,
  };
}
