// Every crypto provider the project ships, and a way to run the same tests (the same vectors) under each:
// the provider is installed for the block's tests and the previous one put back after them.
import { afterAll, beforeAll, describe } from 'vitest';
import { nodeCryptoProvider } from '../../src/crypto/node-provider.ts';
import { setCryptoProvider, type CryptoProvider } from '../../src/crypto/provider.ts';
import { webCryptoProvider } from '../../src/crypto/webcrypto-provider.ts';

export const PROVIDERS: readonly CryptoProvider[] = [webCryptoProvider, nodeCryptoProvider];

/** `body` declared once per provider, inside a describe block named after it, with that provider active. */
export function describeEachProvider(body: (provider: CryptoProvider) => void): void {
  for (const provider of PROVIDERS) {
    describe(`[${provider.name} provider]`, () => {
      let before: CryptoProvider;
      beforeAll(() => {
        before = setCryptoProvider(provider);
      });
      afterAll(() => {
        setCryptoProvider(before);
      });
      body(provider);
    });
  }
}
