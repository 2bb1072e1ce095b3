// A client's handshake options as fieldsets, shared by the live Connect form and the both-sides form: the versions
// offered, and the groups offered with which of them get a key share.
import type { TlsVersionName } from '../../worker/messages.ts';

export const CLIENT_VERSIONS: TlsVersionName[] = ['TLS1.3', 'TLS1.2'];
export const CLIENT_GROUPS = ['X25519MLKEM768', 'x25519', 'secp256r1', 'secp384r1'];

/** Adds (at the end) or removes one item. */
export const toggled = <T,>(list: T[], v: T, on: boolean) => (on ? [...list.filter((x) => x !== v), v] : list.filter((x) => x !== v));

/** `testId`: a prefix for each box's data-testid (none without it). */
export function VersionChecks({ legend, versions, onChange, testId }: { legend: string; versions: TlsVersionName[]; onChange: (v: TlsVersionName[]) => void; testId?: string }) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      {CLIENT_VERSIONS.map((v) => (
        <label key={v}>
          <input type="checkbox" checked={versions.includes(v)} onChange={(e) => onChange(toggled(versions, v, e.target.checked))} data-testid={testId && `${testId}-${v}`} /> {v}
        </label>
      ))}
    </fieldset>
  );
}

export function GroupShareChecks({ groups, shares, onGroups, onShares, testId }: { groups: string[]; shares: string[]; onGroups: (g: string[]) => void; onShares: (g: string[]) => void; testId?: string }) {
  return (
    <fieldset>
      <legend>Groups, and which get a key share</legend>
      {CLIENT_GROUPS.map((g) => (
        <span key={g} className="group-opt">
          <label>
            <input type="checkbox" checked={groups.includes(g)} onChange={(e) => onGroups(toggled(groups, g, e.target.checked))} data-testid={testId && `${testId}-group-${g}`} /> {g}
          </label>
          <label>
            <input type="checkbox" checked={shares.includes(g)} onChange={(e) => onShares(toggled(shares, g, e.target.checked))} data-testid={testId && `${testId}-share-${g}`} /> key share
          </label>
        </span>
      ))}
    </fieldset>
  );
}
