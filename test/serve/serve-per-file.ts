// For a vitest file that starts `tls-lens serve` processes: each one is stopped after the file's tests. Apart from
// serve-process.ts because Playwright loads that one too, where vitest's hooks have no place.
import { afterAll } from 'vitest';
import { startServe, type ServeProcess } from './serve-process.ts';

/** A `serve(args)` for this test file; call at the file's top level (it registers the afterAll that stops them). */
export function serveForThisFile(): (args?: string[]) => Promise<ServeProcess> {
  const servers: ServeProcess[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });
  return async (args = []) => {
    const s = await startServe(args);
    servers.push(s);
    return s;
  };
}
