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
