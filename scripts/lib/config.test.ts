import { describe, expect, it } from 'vitest';
import { defaultPoolSize, loadConfig } from './config.js';

describe('database pool size', () => {
  it('defaults to twice the cores plus one, never below three', () => {
    expect(defaultPoolSize(2)).toBe(5);
    expect(defaultPoolSize(8)).toBe(17);
    expect(defaultPoolSize(1)).toBe(3);
  });

  it('takes DB_POOL_MAX when set, and refuses a size that cannot serve the app', () => {
    const base = { CRM_DATA_DIR: '/tmp/crm-config-test', KEY: 'k', SECRET: 'x'.repeat(32) };
    expect(loadConfig({ ...base, DB_POOL_MAX: '12' }).dbPoolMax).toBe(12);
    expect(() => loadConfig({ ...base, DB_POOL_MAX: '1' })).toThrow(/DB_POOL_MAX must be at least 2/);
    expect(() => loadConfig({ ...base, DB_POOL_MAX: 'many' })).toThrow(/DB_POOL_MAX must be a number/);
  });
});
