// Whether a direction's records are under a stream cipher whose keystream runs on from one record to the next (RC4):
// a record lost from the capture then leaves the rest of that direction unopenable. A mark on the protector, so
// that the decoder can ask without loading the RC4 code (legacy-cipher-loader.ts).
import type { RecordProtector } from './engine.ts';

export const KEYSTREAM_RUNS_ON = Symbol('keystream runs on across records');

export function keystreamRunsOn(protector: RecordProtector): boolean {
  return KEYSTREAM_RUNS_ON in protector;
}
