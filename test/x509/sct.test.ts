// Embedded SCTs (RFC 6962) checked against a log list: a test log signs the precertificate entry of a leaf
// the test makes, the SCT goes into the final certificate, and the check finds it verified; another log's
// list, a signature over other bytes and a malformed list are each told apart.
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { decodeCertificate } from '../../src/x509/certificate.ts';
import { checkEmbeddedScts, precertificateTbs, readLogList } from '../../src/x509/sct.ts';
import { certificateDetails } from '../../src/x509/details.ts';
import { NOW } from './pki.ts';
import { ctChain, logListJson, testLog } from './ct-log.ts';

describe('embedded SCTs against a log list', () => {
  it('verifies an SCT over the precertificate; names an unknown log and a signature over other bytes', async () => {
    const { root, inter, pre, preTbs, leaf, good } = await ctChain();
    const decoded = decodeCertificate(leaf.der);
    // Taking the SCT list out gives back exactly the TBS the log signed.
    expect(Buffer.from(precertificateTbs(decoded.tbs))).toEqual(Buffer.from(preTbs));
    expect(certificateDetails(decoded).scts).toHaveLength(3);

    const checks = await checkEmbeddedScts(decoded, decodeCertificate(inter.der), [good.log]);
    expect(checks.map((c) => [c.outcome, c.log])).toEqual([
      ['verified', 'Test Log 2026'],
      ['unknown log', undefined],
      ['signature invalid', 'Test Log 2026'],
    ]);
    expect(checks[0].timestamp).toBe(NOW.toISOString());
    // The same SCT does not verify for another issuer (the issuer key hash is signed too).
    expect((await checkEmbeddedScts(decoded, decodeCertificate(root.der), [good.log]))[0].outcome).toBe('signature invalid');
    // No list, nothing known; no SCT extension, nothing to check.
    expect((await checkEmbeddedScts(decoded, decodeCertificate(inter.der), [])).map((c) => c.outcome)).toEqual(['unknown log', 'unknown log', 'unknown log']);
    expect(await checkEmbeddedScts(decodeCertificate(pre.der), decodeCertificate(inter.der), [good.log])).toEqual([]);
  });

  it('reads a v3 log list and says what is wrong with one it cannot use', async () => {
    const a = await testLog('Log A');
    const logs = readLogList(logListJson(a.log));
    expect(logs).toHaveLength(1);
    expect(logs[0].description).toBe('Log A');
    expect(Buffer.from(logs[0].logId)).toEqual(Buffer.from(a.log.logId));
    expect(() => readLogList('{nope')).toThrow(/the log list is not JSON/);
    expect(() => readLogList('{"logs": []}')).toThrow(/no "operators" array/);
    expect(() => readLogList('{"operators": [{"logs": [{"description": "x"}]}]}')).toThrow(/names no log with a key/);
  });
});
