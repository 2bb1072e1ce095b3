// The verdict as `tls-lens verify --json` prints it, so the workbench's export and the CLI share one shape.
import { PROFILE_OPTION_NAMES, type ProfileName } from './profile.ts';
import type { ValidationResult } from './validate.ts';

export interface VerdictJson {
  ok: boolean;
  /** The profile that decided, as `verify --profile` names it: browser, strict or rfc5280. */
  profile: string;
  error: ValidationResult['error'] | null;
  path: { subject: string; issuer: string; sha256: string; source: 'peer' | 'anchor' }[];
  steps: { check: string; certificate: number; ok: boolean | null; detail: string; code?: string; span?: { start: number; end: number } }[];
}

export function verdictJson(result: ValidationResult, profile: ProfileName = 'browser'): VerdictJson {
  return {
    ok: result.ok,
    profile: PROFILE_OPTION_NAMES[profile],
    error: result.error ?? null,
    path: result.path.map((p) => ({ subject: p.subject, issuer: p.issuer, sha256: p.sha256, source: p.source })),
    steps: result.steps.map((s) => ({ check: s.check, certificate: s.certificate, ok: s.ok, detail: s.detail, ...(s.code ? { code: s.code } : {}), ...(s.span ? { span: s.span } : {}) })),
  };
}
