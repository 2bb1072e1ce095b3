// Placeholder until src/trace/explain.ts lands; replaced by a re-export of its lookup.
import type { Explanation } from './explanations.ts';
export function catalogue(_key: string): Explanation | undefined {
  return undefined;
}
