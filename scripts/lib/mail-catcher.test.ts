import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { startMailCatcher } from './mail-catcher.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the mail catcher of npm start', () => {
  it('accepts real SMTP on loopback and keeps each email as a .eml file under CRM_DATA_DIR/mail', async () => {
    dir = mkdtempSync(join(tmpdir(), 'crm-mail-'));
    const catcher = await startMailCatcher(dir);
    try {
      expect(catcher.host).toBe('127.0.0.1');
      const transport = nodemailer.createTransport({ host: catcher.host, port: catcher.port, ignoreTLS: true });
      await transport.sendMail({ from: 'crm@example.com', to: 'ayse@example.com', subject: 'Sipariş çıktı', text: 'Şal ğüı' });
      const files = readdirSync(catcher.directory);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^\d{8}T\d{9}Z-0001\.eml$/);
      const eml = readFileSync(join(catcher.directory, files[0]!), 'utf8');
      expect(eml).toContain('To: ayse@example.com');
    } finally {
      await catcher.stop();
    }
  });
});
