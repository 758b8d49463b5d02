// What an e2e file does on a machine that cannot run it (not Linux, not root, no apt-get): one test that
// fails naming why, so a missing tier never passes unnoticed, unless SQLFLOW_E2E=skip says that is
// expected — then it is reported as skipped, with the reason, never as a pass.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

export function cannotRun(tier: string, why: string): void {
  describe(tier, () => {
    it('runs on this machine', (t) => {
      const msg = `THE E2E TIER (${tier}) DID NOT RUN: ${why}.`;
      if (process.env.SQLFLOW_E2E === 'skip') {
        console.error(msg);
        t.skip(msg);
        return;
      }
      assert.fail(`${msg} Run the tests as root on Linux with apt-get (as CI does), or set SQLFLOW_E2E=skip to accept not running it.`);
    });
  });
}
