// The Connect view's STARTTLS list comes from the STARTTLS layer itself: rendered on the server (no DOM needed).
import { beforeAll, describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { ConnectView, loadStartTls } from '../../src/ui/views/ConnectView.tsx';
import { PROTOCOLS, isStartTlsProtocol } from '../../src/starttls/index.ts';

function starttlsOptions(html: string): { value: string; text: string }[] {
  const select = /<select[^>]*data-testid="starttls-select"[^>]*>(.*?)<\/select>/s.exec(html);
  expect(select).not.toBeNull();
  return [...select![1].matchAll(/<option value="([^"]*)"[^>]*>(.*?)<\/option>/gs)].map((m) => ({ value: m[1], text: m[2].replace(/&#x27;/g, "'").replace(/&amp;/g, '&') }));
}

describe('ConnectView STARTTLS select', () => {
  // The list loads after the form is first shown; a static render has it once it is loaded.
  beforeAll(loadStartTls);

  it('offers "none" and then every protocol the STARTTLS layer speaks, with its name, document and port', () => {
    const options = starttlsOptions(renderToStaticMarkup(createElement(ConnectView, {})));
    expect(PROTOCOLS.length).toBe(11);
    expect(options.map((o) => o.value)).toEqual(['', ...PROTOCOLS.map((p) => p.id)]);
    expect(options[0].text).toMatch(/^none/);
    PROTOCOLS.forEach((p, i) => {
      expect(options[i + 1].text).toContain(p.name);
      expect(options[i + 1].text).toContain(p.rfc);
      expect(options[i + 1].text).toContain(`port ${p.defaultPort}`);
    });
    // The ones the old hard-coded list lacked are there.
    expect(options.map((o) => o.value)).toEqual(expect.arrayContaining(['lmtp', 'nntp', 'sieve']));
  });

  it('every listed id is one the worker accepts', () => {
    for (const p of PROTOCOLS) expect(isStartTlsProtocol(p.id)).toBe(true);
    expect(isStartTlsProtocol('gopher')).toBe(false);
  });
});

describe('ConnectView handshake options: cipher suites', () => {
  /** Each <fieldset> of the form: its legend and its markup (the handshake options' fieldsets do not nest). */
  function fieldsets(html: string): { legend: string; body: string }[] {
    return [...html.matchAll(/<fieldset[^>]*>(.*?)<\/fieldset>/gs)].map((m) => ({ legend: /<legend>(.*?)<\/legend>/s.exec(m[1])?.[1] ?? '', body: m[1] }));
  }

  it('TLS 1.2 suites sit in a box titled for TLS 1.2, not in the TLS 1.3 one', () => {
    const sets = fieldsets(renderToStaticMarkup(createElement(ConnectView, {})));
    const tls13 = sets.find((f) => f.legend === 'Cipher suites (TLS 1.3)');
    const tls12 = sets.find((f) => f.body.includes('name="suites12"'));
    expect(tls13).toBeDefined();
    expect(tls13!.body).toContain('name="suites"');
    expect(tls13!.body).not.toContain('name="suites12"');
    expect(tls12).toBeDefined();
    expect(tls12!.legend).toBe('Cipher suites (TLS 1.2)');
    expect(tls12!.body).not.toContain('name="suites"');
  });
});
