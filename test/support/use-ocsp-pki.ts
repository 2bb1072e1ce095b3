// One OCSP test PKI (ocsp-pki.ts) per vitest file: made before its tests run, its temp dir removed after them.
import fs from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { makeOcspPki, type OcspPki } from './ocsp-pki.ts';

export function useOcspPki(): OcspPki {
  const pki = {} as OcspPki;
  beforeAll(() => {
    Object.assign(pki, makeOcspPki());
  });
  afterAll(() => fs.rmSync(pki.dir, { recursive: true, force: true }));
  return pki;
}
