// Roots the person chose to trust for this browser session (never persisted past it).
const KEY = 'tls-lens:trusted-roots';

export function sessionAnchors(): string[] {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? '[]') as string[];
  } catch {
    return [];
  }
}

/** Add a root certificate (DER as hex) to the session's trust anchors. */
export function trustRootForSession(derHex: string): void {
  const list = sessionAnchors();
  if (!list.includes(derHex)) list.push(derHex);
  sessionStorage.setItem(KEY, JSON.stringify(list));
}
