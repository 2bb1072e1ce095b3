// Build time (src/ui/boot/prerender-plugin.ts runs this in Node): the app's first screen as static markup, the
// same the app's first render makes for a page without view state in its URL, and the two versions of the Connect
// form's where-choice for the boot script to switch between.
import { renderToStaticMarkup } from 'react-dom/server';
import { App } from '../App.tsx';
import { ConnectView } from '../views/ConnectView.tsx';
import { defaultConnectForm } from '../connect-form.ts';

/** The markup after the where-fieldset's two radios. */
function whereAfterRadios(html: string): string {
  const m = /A server \(host:port the bridge allows\)<\/label>([\s\S]*?)<\/fieldset>/.exec(html);
  if (!m) throw new Error('prerender: the Connect form has no where-choice');
  return m[1];
}

export function prerender(): { html: string; where: { scenario: string; target: string } } {
  const form = (mode: 'scenario' | 'target') => renderToStaticMarkup(<ConnectView initial={{ ...defaultConnectForm(), mode }} />);
  return { html: renderToStaticMarkup(<App />), where: { scenario: whereAfterRadios(form('scenario')), target: whereAfterRadios(form('target')) } };
}
