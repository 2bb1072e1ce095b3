// The ChainInputError a bad input must throw, for tests that then read its problem, offset and what was read before it.
import { expect } from 'vitest';
import { ChainInputError } from '../../src/x509/input.ts';

export function inputError(run: () => unknown): ChainInputError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(ChainInputError);
    return e as ChainInputError;
  }
  throw new Error('expected a ChainInputError');
}
