// The Connect form's choices -> the worker's request (src/ui/connect-form.ts), and the form's controls named as those
// choices, which is how the page's boot script reads the prerendered form (src/ui/boot/shell.ts).
import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { connectRequest, defaultConnectForm, type ConnectForm } from '../../src/ui/connect-form.ts';
import { ConnectView } from '../../src/ui/views/ConnectView.tsx';

const ctx = { anchorsPem: ['ANCHOR'], bridgeUrl: 'ws://127.0.0.1:1/bridge' };

describe('connectRequest', () => {
  it('a lab scenario: its host is the server name unless one is typed, breakpoints as ticked', () => {
    const f = { ...defaultConnectForm('good-tls13'), bpAuth: true };
    const r = connectRequest(f, { ...ctx, scenarioHost: 'good.lab.tls-lens.test' });
    expect(r).toMatchObject({ scenario: 'good-tls13', target: undefined, serverName: 'good.lab.tls-lens.test', breakpoints: { afterEachMessage: true, serverAuth: true, clientCertRequest: true } });
    expect(connectRequest({ ...f, sni: ' other.test ' }, { ...ctx, scenarioHost: 'good.lab.tls-lens.test' }).serverName).toBe('other.test');
    expect(r.anchorsPem).toEqual(['ANCHOR']);
    expect(r.bridgeUrl).toBe(ctx.bridgeUrl);
  });

  it('a server: the target trimmed, no server name from a scenario, lists parsed from what was typed', () => {
    const f: ConnectForm = { ...defaultConnectForm(), mode: 'target', target: ' example.org:443 ', scenario: 'ignored', suites12: 'TLS_A, TLS_B  TLS_C', alpn: 'h2, http/1.1', groups: ['x25519', 'secp384r1'], shares: ['secp256r1', 'x25519'], send: 'GET / HTTP/1.0', keepAppData: true };
    const r = connectRequest(f, { ...ctx, scenarioHost: 'unused.test' });
    expect(r.scenario).toBeUndefined();
    expect(r.target).toBe('example.org:443');
    expect(r.serverName).toBeUndefined();
    expect(r.suites).toEqual(['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_A', 'TLS_B', 'TLS_C']);
    expect(r.alpn).toEqual(['h2', 'http/1.1']);
    // A key share only for a group that is offered.
    expect(r.keyShareGroups).toEqual(['x25519']);
    expect(r.sendAfterHandshake).toBe('GET / HTTP/1.0');
    expect(r.keepAppData).toBe(true);
  });

  it('status_request: asked by default (the engine\'s default), left out when unticked', () => {
    expect(defaultConnectForm().statusRequest).toBe(true);
    expect(connectRequest(defaultConnectForm(), ctx).statusRequest).toBeUndefined();
    expect(connectRequest({ ...defaultConnectForm(), statusRequest: false }, ctx).statusRequest).toBe(false);
  });

  it('resumption on by default (left to the worker), off when unticked; early data sent as typed, none when empty', () => {
    const defaults = connectRequest(defaultConnectForm(), ctx);
    expect(defaultConnectForm()).toMatchObject({ resume: true, earlyData: '' });
    expect(defaults.resume).toBeUndefined();
    expect(defaults.earlyData).toBeUndefined();
    const r = connectRequest({ ...defaultConnectForm('early-data'), resume: false, earlyData: 'GET / HTTP/1.0\\r\\n\\r\\n' }, ctx);
    expect(r.resume).toBe(false);
    // The escapes stay as typed: the worker turns them into CR LF, as for the data sent after the handshake.
    expect(r.earlyData).toBe('GET / HTTP/1.0\\r\\n\\r\\n');
  });

  it('the client-certificate pause only when the choice is "ask me"', () => {
    expect(connectRequest({ ...defaultConnectForm(), clientCert: 'lab' }, ctx).breakpoints.clientCertRequest).toBe(false);
    expect(connectRequest({ ...defaultConnectForm(), clientCert: 'ask', bpCert: false }, ctx).breakpoints.clientCertRequest).toBe(false);
  });
});

describe('the form as markup', () => {
  const fields = Object.keys(defaultConnectForm()).filter((k) => k !== 'mode' && k !== 'scenario');

  it('every choice has a control named after it (the scenario select comes with the lab list)', () => {
    const html = renderToStaticMarkup(createElement(ConnectView, { initial: { ...defaultConnectForm(), mode: 'target' } }));
    for (const name of fields) expect(html, name).toMatch(new RegExp(`name="${name}"`));
    expect(html).toMatch(/<input type="radio" name="mode" checked="" value="target"\/>/);
  });

  it('starts from the choices it is given', () => {
    const initial: ConnectForm = { ...defaultConnectForm(), mode: 'target', target: 'example.org:443', alpn: 'h2', bpStep: false, insecure: true, versions: ['TLS1.2'] };
    const html = renderToStaticMarkup(createElement(ConnectView, { initial }));
    expect(html).toMatch(/data-testid="target-input"[^>]*value="example.org:443"/);
    expect(html).toMatch(/name="alpn" value="h2"/);
    expect(html).toMatch(/data-testid="bp-step" name="bpStep"\/>/);
    expect(html).toMatch(/name="insecure" checked=""/);
    expect(html).toMatch(/name="statusRequest" checked=""/);
    const unticked = renderToStaticMarkup(createElement(ConnectView, { initial: { ...initial, statusRequest: false } }));
    expect(unticked).toMatch(/<input type="checkbox" data-testid="status-request" name="statusRequest"\/>/);
    expect(html).toMatch(/name="resume" checked=""/);
    const early = renderToStaticMarkup(createElement(ConnectView, { initial: { ...initial, resume: false, earlyData: 'hello\\n' } }));
    expect(early).toMatch(/<input type="checkbox" data-testid="resume" name="resume"\/>/);
    expect(early).toMatch(/name="earlyData" value="hello\\n"/);
    expect(html).toMatch(/name="versions" value="TLS1.3"\/>/);
    expect(html).toMatch(/name="versions" checked="" value="TLS1.2"/);
  });
});
