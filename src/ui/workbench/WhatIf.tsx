// The workbench's "What if…" inputs: the decision's time (a date, or a slider across the certificates' validity
// windows), the name and purpose checked, which roots are trusted, CRLs and a CT log list brought in, the depth and
// policy limits, and the profile. Each change re-decides the chain at once (Workbench.tsx).
import { PROFILES, type ProfileName } from '../../x509/profile.ts';
import type { WorkbenchSettings } from './model.ts';

const HOUR = 3_600_000;

/** The span of the certificates' validity windows, a day either side; null without a certificate. */
export function validitySpan(certs: { notBefore: Date; notAfter: Date }[]): { from: number; to: number } | null {
  if (certs.length === 0) return null;
  return { from: Math.min(...certs.map((c) => c.notBefore.getTime())) - 24 * HOUR, to: Math.max(...certs.map((c) => c.notAfter.getTime())) + 24 * HOUR };
}

export interface WhatIfProps {
  settings: WorkbenchSettings;
  set: (patch: Partial<WorkbenchSettings>) => void;
  /** The span of the certificates' validity windows, a day either side (null: no decoded certificate). */
  windows: { from: number; to: number } | null;
  counts: { anchors: number; crls: number; ctLogs: number };
  addAnchors: (files: FileList) => Promise<void>;
  addCrls: (files: FileList) => Promise<void>;
  addLogList: (files: FileList) => Promise<void>;
}

export function WhatIf({ settings, set, windows, counts, addAnchors, addCrls, addLogList }: WhatIfProps) {
  const timeMs = settings.time ? new Date(settings.time).getTime() : Date.now();
  return (
    <fieldset className="whatif" data-testid="whatif">
      <legend>What if…</legend>
      <label>
        Date (UTC)
        <input
          type="date"
          data-testid="wi-date"
          value={new Date(timeMs).toISOString().slice(0, 10)}
          onChange={(e) => {
            const t = new Date(`${e.target.value}T12:00:00.000Z`);
            if (!Number.isNaN(t.getTime())) set({ time: t.toISOString() });
          }}
        />
      </label>
      {windows && (
        <label>
          Time across the validity windows
          <input
            type="range"
            data-testid="wi-slider"
            min={windows.from}
            max={windows.to}
            step={HOUR}
            value={Math.min(Math.max(timeMs, windows.from), windows.to)}
            onChange={(e) => set({ time: new Date(Number(e.target.value)).toISOString() })}
          />
        </label>
      )}
      <span className="muted" data-testid="wi-time">
        Checked at {settings.time ?? 'now'}
      </span>
      <button type="button" onClick={() => set({ time: undefined })} disabled={!settings.time}>
        Now
      </button>
      <label>
        Host name or IP address
        <input type="text" data-testid="wi-name" value={settings.name} onChange={(e) => set({ name: e.target.value })} placeholder="e.g. example.com" />
      </label>
      <label>
        Purpose
        <select data-testid="wi-purpose" value={settings.purpose} onChange={(e) => set({ purpose: e.target.value as 'server' | 'client' })}>
          <option value="server">server</option>
          <option value="client">client</option>
        </select>
      </label>
      <label>
        <input type="checkbox" data-testid="wi-mozilla" checked={settings.mozilla} onChange={(e) => set({ mozilla: e.target.checked })} /> Trust the Mozilla root store
      </label>
      <label>
        <input type="checkbox" data-testid="wi-trust-root" checked={settings.trustChainRoot} onChange={(e) => set({ trustChainRoot: e.target.checked })} /> Trust this chain's root
      </label>
      <label className="file-pick">
        Add trust anchors ({counts.anchors})
        <input type="file" multiple data-testid="pick-anchors" onChange={(e) => e.target.files && void addAnchors(e.target.files).then(() => (e.target.value = ''))} />
      </label>
      <label className="file-pick">
        Add CRLs ({counts.crls})
        <input type="file" multiple data-testid="pick-crls" onChange={(e) => e.target.files && void addCrls(e.target.files).then(() => (e.target.value = ''))} />
      </label>
      <label className="file-pick">
        CT log list, v3 JSON ({counts.ctLogs} logs)
        <input type="file" accept=".json,application/json" data-testid="pick-ct-logs" onChange={(e) => e.target.files && void addLogList(e.target.files).then(() => (e.target.value = ''))} />
      </label>
      <label>
        Maximum depth (intermediates)
        <input type="number" min={0} max={32} data-testid="wi-depth" value={settings.maxDepth} onChange={(e) => set({ maxDepth: Math.max(0, Math.min(32, Number(e.target.value) || 0)) })} />
      </label>
      <label>
        Required policies (OIDs; empty: any)
        <input type="text" data-testid="wi-policies" value={settings.requiredPolicies} onChange={(e) => set({ requiredPolicies: e.target.value })} placeholder="e.g. 2.23.140.1.2.1" />
      </label>
      <label>
        <input type="checkbox" data-testid="wi-inhibit-mapping" checked={settings.inhibitPolicyMapping} onChange={(e) => set({ inhibitPolicyMapping: e.target.checked })} /> Inhibit policy mapping (RFC 5280 6.1.1 e)
      </label>
      <label>
        <input type="checkbox" data-testid="wi-inhibit-any" checked={settings.inhibitAnyPolicy} onChange={(e) => set({ inhibitAnyPolicy: e.target.checked })} /> Inhibit anyPolicy (RFC 5280 6.1.1 f)
      </label>
      <label>
        Profile
        <select data-testid="wi-profile" value={settings.profile} onChange={(e) => set({ profile: e.target.value as ProfileName })}>
          {(Object.keys(PROFILES) as ProfileName[]).map((p) => (
            <option key={p} value={p}>
              {PROFILES[p].label}
            </option>
          ))}
        </select>
      </label>
      <p className="muted">{PROFILES[settings.profile].summary}</p>
    </fieldset>
  );
}
