// Looks up the plain-words explanation of a field key. The catalogue lives with the trace
// (src/trace/explain.ts); this wrapper gives the views one stable function.
import { catalogue } from './explain-source.ts';

export interface Explanation {
  title: string;
  text: string;
  /** Link to the RFC section, e.g. "https://www.rfc-editor.org/rfc/rfc8446#section-4.1.2". */
  rfc?: string;
  /** e.g. "RFC 8446 §4.1.2". */
  rfcName?: string;
}

export function explain(key: string | undefined): Explanation | undefined {
  if (!key) return undefined;
  return catalogue(key);
}
