// Waiting on a condition (a peer's output, a trace event) instead of for a fixed time: a busy machine is only slower.

/** Resolves once `cond()` holds; throws after `ms` milliseconds. */
export async function waitFor(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
