/**
 * Browser tests skip (and say why) where Chromium cannot be had, but never under CI: a green CI
 * run must have driven the browser (issue #10, "Tests that cannot pass on a failure").
 */
import { describe, expect, it } from 'vitest';
import { isCi, skipOutsideCi } from '../support/browser.js';

describe('a missing browser under CI', () => {
  const reason = '/usr/bin/chromium is missing and apt-get is not available on this machine';

  it('fails the browser tests when CI is set', () => {
    for (const value of ['true', '1', 'yes']) {
      expect(() => skipOutsideCi(reason, { CI: value })).toThrow(`browser tests cannot be skipped under CI (CI=${value}): ${reason}`);
    }
  });

  it('skips them, with the reason, outside CI', () => {
    for (const env of [{}, { CI: '' }, { CI: 'false' }, { CI: '0' }]) {
      expect(isCi(env)).toBe(false);
      expect(skipOutsideCi(reason, env)).toBe(reason);
    }
  });

  it('passes a ready browser in both', () => {
    expect(skipOutsideCi(null, { CI: 'true' })).toBeNull();
    expect(skipOutsideCi(null, {})).toBeNull();
  });
});
