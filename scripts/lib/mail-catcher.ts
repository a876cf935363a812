/**
 * The mail catcher of `npm start` without SMTP settings (development): a real SMTP server on
 * loopback (the `smtp-server` package) that accepts every message and keeps it as a file, so a
 * newcomer sees every email the demo sends, Directus' password-reset mails included:
 *
 *     $CRM_DATA_DIR/mail/20261206T101500123Z-0001.eml     (open in any mail client, or read it)
 *
 * It never relays anything anywhere. Listening on an ephemeral port keeps two checkouts (or the
 * test runs) from fighting over one; Directus and the CRM get the port through EMAIL_SMTP_PORT.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface MailCatcher {
  host: string;
  port: number;
  directory: string;
  stop(): Promise<void>;
}

export async function startMailCatcher(dataDir: string, port = 0): Promise<MailCatcher> {
  const directory = join(dataDir, 'mail');
  mkdirSync(directory, { recursive: true });
  let count = readdirSync(directory).filter((f) => f.endsWith('.eml')).length;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    banner: 'CRM mail catcher (development): nothing is relayed',
    logger: false,
    size: 25 * 1024 * 1024,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        count += 1;
        const stamp = new Date().toISOString().replace(/[-:.]/g, '');
        writeFileSync(join(directory, `${stamp}-${String(count).padStart(4, '0')}.eml`), Buffer.concat(chunks));
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port: address.port,
    directory,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
