// The catalogue lives with the trace; adapt its shape to what the views show.
import { explain as lookup } from '../trace/explain.ts';
import type { Explanation } from './explanations.ts';

export function catalogue(key: string): Explanation | undefined {
  const e = lookup(key);
  return e ? { title: e.title, text: e.text, rfc: e.url, rfcName: e.rfc } : undefined;
}
