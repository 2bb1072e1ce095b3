// What a person may be shown when input is bad: plain words, never JS internals, library error texts, stack frames
// or unfilled template holes. Shared by the input fuzz tests.
import { expect } from 'vitest';

export const NOT_PLAIN =
  /undefined|\bNaN\b|\[object |Cannot read prop|Cannot set prop|Offset is outside|RangeError|TypeError|ReferenceError|SyntaxError|is not a function|is not iterable|Maximum call stack|Invalid time value|Invalid Date|Invalid typed array|Invalid array length|schema|asn1js|@peculiar|AsnConvert|\bat \S+ \(|\.[cm]?[jt]s:\d+|in JSON at position|Unexpected token|is not valid JSON|invalid (?:distance|code|stored|block|literal)|incorrect header|unexpected end of file|Invalid character/i;

export function expectPlain(text: unknown, why: string): void {
  expect(typeof text, why).toBe('string');
  expect((text as string).trim().length, why).toBeGreaterThan(0);
  expect(text, why).not.toMatch(NOT_PLAIN);
}
