// Counters for the private stats endpoint. Numbers only: no targets' payloads, no client data.
export interface BridgeStats {
  startedAt: string;
  sessionsActive: number;
  sessionsOpened: number;
  sessionsRefused: number;
  refusedBy: Record<string, number>;
  closedBy: Record<string, number>;
  bytesUp: number;
  bytesDown: number;
}

export function newStats(): BridgeStats {
  return { startedAt: new Date().toISOString(), sessionsActive: 0, sessionsOpened: 0, sessionsRefused: 0, refusedBy: {}, closedBy: {}, bytesUp: 0, bytesDown: 0 };
}

export function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}
