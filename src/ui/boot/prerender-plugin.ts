// A Vite build plugin: the built index.html shows the app's first screen before any of the app's scripts have loaded,
// and its head starts the engine's worker and brings that screen to life (src/ui/boot/shell.ts) until the app takes
// over. The markup comes from the app's own components, rendered in Node at build time (prerender.tsx).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import type { Plugin } from 'vite';

const here = path.dirname(new URL(import.meta.url).pathname);

async function renderFirstScreen(): Promise<{ html: string; where: { scenario: string; target: string } }> {
  const repo = path.resolve(here, '../../..');
  // Under node_modules, so that Node finds React and the other packages the bundle leaves out.
  const out = path.join(repo, 'node_modules', '.cache', 'tls-lens-prerender', `prerender-${process.pid}-${Date.now()}.mjs`);
  try {
    await esbuild.build({
      entryPoints: [path.join(here, 'prerender.tsx')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      jsx: 'automatic',
      outfile: out,
      loader: { '.css': 'empty' },
      // A page with an empty URL: the app reads its view state from location at its first render.
      banner: { js: `globalThis.location ??= { hash: '', search: '', protocol: 'http:', host: '' };` },
      logLevel: 'warning',
      packages: 'external',
      absWorkingDir: repo,
    });
    const mod = (await import(pathToFileURL(out).href)) as { prerender: () => { html: string; where: { scenario: string; target: string } } };
    return mod.prerender();
  } finally {
    fs.rmSync(out, { force: true });
  }
}

async function bootScript(workerUrl: string, entryUrl: string, where: { scenario: string; target: string }): Promise<string> {
  const out = await esbuild.build({
    entryPoints: [path.join(here, 'shell.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2022',
    platform: 'browser',
    write: false,
    define: { ENGINE_WORKER_URL: JSON.stringify(workerUrl), APP_ENTRY_URL: JSON.stringify(entryUrl), WHERE_PARTS: JSON.stringify(where) },
    logLevel: 'warning',
  });
  // Inline in a <script>: no "</script" may appear in it.
  return out.outputFiles[0].text.replace(/<\/(script)/gi, '<\\/$1');
}

/** The entry's stylesheet in the page itself: the first screen is drawn without waiting for another request. */
function inlineEntryCss(html: string, bundle: Record<string, { type: string; source?: string | Uint8Array }>): string {
  return html.replace(/<link rel="stylesheet"[^>]*href="[^"]*\/(assets\/[^"]+\.css)"[^>]*>/g, (link, file: string) => {
    const asset = bundle[file];
    if (asset?.type !== 'asset' || asset.source === undefined) return link;
    const css = typeof asset.source === 'string' ? asset.source : new TextDecoder().decode(asset.source);
    return `<style>${css.replace(/<\/(style)/gi, '<\\/$1')}</style>`;
  });
}

/** The app's entry script becomes a modulepreload (fetched and compiled at once, not run): the boot script runs it
 * when the worker is up (shell.ts `releaseApp`). Its URL, for the boot script. */
function holdEntry(html: string): { html: string; entryUrl: string } {
  const entry = /<script type="module" crossorigin src="([^"]+)"><\/script>/;
  const m = entry.exec(html);
  if (!m) throw new Error("index.html has no module entry script to hold");
  return { html: html.replace(entry, `<link rel="modulepreload" crossorigin href="${m[1]}">`), entryUrl: m[1] };
}

export function prerenderFirstScreen(): Plugin {
  let base = '/';
  return {
    name: 'tls-lens-first-screen',
    apply: 'build',
    configResolved(config) {
      base = config.base;
    },
    transformIndexHtml: {
      order: 'post',
      async handler(html, ctx) {
        const file = Object.keys(ctx.bundle ?? {}).find((f) => /(^|\/)engine\.worker-[\w-]+\.js$/.test(f));
        if (!file) throw new Error('the engine worker is missing from the build');
        const screen = await renderFirstScreen();
        const root = '<div id="root"></div>';
        if (!html.includes(root)) throw new Error('index.html has no empty #root');
        const held = holdEntry(inlineEntryCss(html, ctx.bundle ?? {}));
        return {
          html: held.html.replace(root, `<div id="root">${screen.html}</div><script>tlsLensSettle()</script>`),
          tags: [{ tag: 'script', children: await bootScript(base + file, held.entryUrl, screen.where), injectTo: 'head-prepend' }],
        };
      },
    },
  };
}
