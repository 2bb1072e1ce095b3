// A client's handshake options as fieldsets, shared by the live Connect form and the both-sides form: the versions
// offered, and the groups offered with which of them get a key share.
import type { TlsVersionName } from '../../worker/messages.ts';

export const CLIENT_VERSIONS: TlsVersionName[] = ['TLS1.3', 'TLS1.2'];
// The finite-field groups last and off by default: slow (BigInt arithmetic), offered by few real clients in TLS 1.3.
export const CLIENT_GROUPS = ['X25519MLKEM768', 'x25519', 'secp256r1', 'secp384r1', 'secp521r1', 'ffdhe2048', 'ffdhe3072', 'ffdhe4096'];

/** Adds (at the end) or removes one item. */
export const toggled = <T,>(list: T[], v: T, on: boolean) => (on ? [...list.filter((x) => x !== v), v] : list.filter((x) => x !== v));

/** `testId`: a prefix for each box's data-testid (none without it); `name`: the boxes' name (their value is the version). */
export function VersionChecks({ legend, versions, onChange, testId, name }: { legend: string; versions: TlsVersionName[]; onChange: (v: TlsVersionName[]) => void; testId?: string; name?: string }) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      {CLIENT_VERSIONS.map((v) => (
        <label key={v}>
          <input type="checkbox" name={name} value={v} checked={versions.includes(v)} onChange={(e) => onChange(toggled(versions, v, e.target.checked))} data-testid={testId && `${testId}-${v}`} /> {v}
        </label>
      ))}
    </fieldset>
  );
}

/** `name`: the group boxes' name; the key-share boxes are named "shares" beside it (their value is the group). */
export function GroupShareChecks({ groups, shares, onGroups, onShares, testId, name }: { groups: string[]; shares: string[]; onGroups: (g: string[]) => void; onShares: (g: string[]) => void; testId?: string; name?: string }) {
  return (
    <fieldset>
      <legend>Groups, and which get a key share</legend>
      {CLIENT_GROUPS.map((g) => (
        <span key={g} className="group-opt">
          <label>
            <input type="checkbox" name={name} value={g} checked={groups.includes(g)} onChange={(e) => onGroups(toggled(groups, g, e.target.checked))} data-testid={testId && `${testId}-group-${g}`} /> {g}
          </label>
          <label>
            <input type="checkbox" name={name && 'shares'} value={g} checked={shares.includes(g)} onChange={(e) => onShares(toggled(shares, g, e.target.checked))} data-testid={testId && `${testId}-share-${g}`} /> key share
          </label>
        </span>
      ))}
    </fieldset>
  );
}
