import { describe, expect, it, vi } from 'vitest';
import { defaultPoolSize, loadConfig } from './config.js';
import { directusEnvironment } from './directus-process.js';

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

describe('email configuration (Directus EMAIL_* names)', () => {
  const base = { CRM_DATA_DIR: '/tmp/crm-config-test', KEY: 'k', SECRET: 'x'.repeat(32) };

  it('no SMTP host: the mail catcher in development, nowhere in production', () => {
    expect(loadConfig(base).email.target).toEqual({ kind: 'catcher' });
    expect(loadConfig({ ...base, EMAIL_SMTP_HOST: '' }).email.target).toEqual({ kind: 'catcher' });
    expect(loadConfig(base).email.from).toBe('no-reply@example.com');
  });

  it('an SMTP server as Directus reads it', () => {
    const config = loadConfig({
      ...base,
      EMAIL_TRANSPORT: 'smtp',
      EMAIL_FROM: 'crm@mod.example.com',
      EMAIL_SMTP_HOST: 'smtp.example.com',
      EMAIL_SMTP_PORT: '2525',
      EMAIL_SMTP_USER: 'u',
      EMAIL_SMTP_PASSWORD: 'p',
      EMAIL_SMTP_IGNORE_TLS: 'true',
    });
    expect(config.email.target).toEqual({
      kind: 'smtp',
      host: 'smtp.example.com',
      port: 2525,
      user: 'u',
      password: 'p',
      secure: false,
      ignoreTls: true,
    });
    expect(config.email.from).toBe('crm@mod.example.com');
  });

  it('names each bad variable', () => {
    expect(() => loadConfig({ ...base, EMAIL_TRANSPORT: 'sendmail' })).toThrow(/EMAIL_TRANSPORT must be smtp/);
    expect(() => loadConfig({ ...base, EMAIL_TRANSPORT: 'smtp' })).toThrow(/EMAIL_SMTP_HOST is required when EMAIL_TRANSPORT=smtp/);
    expect(() => loadConfig({ ...base, EMAIL_FROM: 'nope' })).toThrow(/EMAIL_FROM must be an email address/);
    expect(() => loadConfig({ ...base, EMAIL_SMTP_PORT: '99999' })).toThrow(/EMAIL_SMTP_PORT must be between 1 and 65535/);
    expect(() => loadConfig({ ...base, EMAIL_OUTBOX_RETRY_DELAY_SECONDS: '20', EMAIL_OUTBOX_RETRY_DELAY_MAX_SECONDS: '10' })).toThrow(
      /EMAIL_OUTBOX_RETRY_DELAY_MAX_SECONDS must not be below/,
    );
  });
});

describe('Redis for several instances (README, "Running two instances")', () => {
  const base = { CRM_DATA_DIR: '/tmp/crm-config-test', KEY: 'k', SECRET: 'x'.repeat(32) };
  const db = { host: '127.0.0.1', port: 5432, database: 'crm', user: 'crm', password: 'p', ssl: false };

  it('REDIS moves Directus cache, rate limiter and schedule clock to Redis; the uploads directory follows UPLOADS_DIR', () => {
    const config = loadConfig({ ...base, REDIS: 'redis://127.0.0.1:6379', UPLOADS_DIR: '/srv/crm-uploads' });
    expect(config.redis).toBe('redis://127.0.0.1:6379');
    expect(directusEnvironment(config, db)).toMatchObject({
      REDIS: 'redis://127.0.0.1:6379',
      REDIS_ENABLED: 'true',
      CACHE_STORE: 'redis',
      RATE_LIMITER_STORE: 'redis',
      SYNCHRONIZATION_STORE: 'redis',
      CACHE_ENABLED: 'false',
      STORAGE_LOCAL_ROOT: '/srv/crm-uploads',
    });
  });

  it('no REDIS (an empty line too): one instance, everything in memory, no stray REDIS_* reaches Directus', () => {
    vi.stubEnv('REDIS', '');
    vi.stubEnv('REDIS_HOST', 'somewhere');
    try {
      const config = loadConfig({ ...base, REDIS: '' });
      expect(config.redis).toBeUndefined();
      expect(config.uploadsDir).toBe('/tmp/crm-config-test/uploads');
      const env = directusEnvironment(config, db);
      expect(env).toMatchObject({
        REDIS_ENABLED: 'false',
        CACHE_STORE: 'memory',
        RATE_LIMITER_STORE: 'memory',
        SYNCHRONIZATION_STORE: 'memory',
      });
      expect(Object.keys(env).filter((name) => name === 'REDIS' || (name.startsWith('REDIS_') && name !== 'REDIS_ENABLED'))).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('refuses a REDIS that is not a redis URL', () => {
    expect(() => loadConfig({ ...base, REDIS: '127.0.0.1:6379' })).toThrow(/REDIS must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => loadConfig({ ...base, REDIS: 'http://127.0.0.1:6379' })).toThrow(/REDIS must be a redis:\/\/ or rediss:\/\/ URL/);
  });
});

describe('restart of a Directus that exits (docs/start-and-stop.md, "When Directus dies")', () => {
  const base = { CRM_DATA_DIR: '/tmp/crm-config-test', KEY: 'k', SECRET: 'x'.repeat(32) };

  it('DIRECTUS_RESTART_DELAY_SECONDS: 2 s unless set (an empty line too); `never` turns restarts off', () => {
    expect(loadConfig(base).directusRestartDelaySeconds).toBe(2);
    expect(loadConfig({ ...base, DIRECTUS_RESTART_DELAY_SECONDS: '' }).directusRestartDelaySeconds).toBe(2);
    expect(loadConfig({ ...base, DIRECTUS_RESTART_DELAY_SECONDS: '30' }).directusRestartDelaySeconds).toBe(30);
    expect(loadConfig({ ...base, DIRECTUS_RESTART_DELAY_SECONDS: 'never' }).directusRestartDelaySeconds).toBe('never');
  });

  it('refuses anything but whole seconds from 1 to 3600, or never', () => {
    for (const value of ['0', '1.5', '3601', 'off', '-1']) {
      expect(() => loadConfig({ ...base, DIRECTUS_RESTART_DELAY_SECONDS: value }), value).toThrow(
        /DIRECTUS_RESTART_DELAY_SECONDS must be a whole number of seconds from 1 to 3600, or never/,
      );
    }
  });
});
