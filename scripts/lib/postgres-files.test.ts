import { describe, expect, it } from 'vitest';
import { isPortConflict, isPostmasterOf, parsePostmasterPid, pathChain, startFailureReason } from './postgres-files.js';

describe('postmaster.pid', () => {
  it('reads pid, data directory, port and status', () => {
    const text = '4242\n/var/lib/x/postgres\n1796163249\n54329\n\n127.0.0.1\n  1859607        45\nready   \n';
    expect(parsePostmasterPid(text)).toEqual({ pid: 4242, dataDir: '/var/lib/x/postgres', port: 54329, status: 'ready' });
    expect(parsePostmasterPid('4242\n/d\n1\n5432\n')).toEqual({ pid: 4242, dataDir: '/d', port: 5432, status: undefined });
  });

  it('gives nothing for an empty or garbled file', () => {
    expect(parsePostmasterPid('')).toBeUndefined();
    expect(parsePostmasterPid('not a pid\n')).toBeUndefined();
    expect(parsePostmasterPid('-3\n')).toBeUndefined();
  });
});

describe('is this process the postmaster of the data directory', () => {
  const cmd = (...argv: string[]) => `${argv.join('\0')}\0`;
  it('matches a postgres started with -D of the directory, in every spelling', () => {
    expect(isPostmasterOf(cmd('/x/bin/postgres', '-D', '/d/pg', '-p', '5'), ['/d/pg'])).toBe(true);
    expect(isPostmasterOf(cmd('/x/bin/postgres', '-D/d/pg/'), ['/d/pg'])).toBe(true);
    expect(isPostmasterOf(cmd('postgres', '--pgdata=/d/pg'), ['/other', '/d/pg'])).toBe(true);
  });

  it('refuses another program, or a postgres of another directory', () => {
    expect(isPostmasterOf(cmd('/usr/bin/node', '-D', '/d/pg'), ['/d/pg'])).toBe(false);
    expect(isPostmasterOf(cmd('/x/bin/postgres', '-D', '/d/other'), ['/d/pg'])).toBe(false);
    expect(isPostmasterOf(cmd('/x/bin/postgres-helper', '-D', '/d/pg'), ['/d/pg'])).toBe(false);
    expect(isPostmasterOf('', ['/d/pg'])).toBe(false);
  });
});

describe('why PostgreSQL did not start', () => {
  it('names the bind failure behind "could not create any TCP/IP sockets"', () => {
    const log = [
      '2026-12-01 22:18:17.832 UTC [1] LOG:  starting PostgreSQL 17.10',
      '2026-12-01 22:18:17.832 UTC [1] LOG:  could not bind IPv4 address "127.0.0.1": Address already in use',
      '2026-12-01 22:18:17.832 UTC [1] HINT:  Is another postmaster already running on port 55433? If not, wait a few seconds and retry.',
      '2026-12-01 22:18:17.832 UTC [1] WARNING:  could not create listen socket for "127.0.0.1"',
      '2026-12-01 22:18:17.832 UTC [1] FATAL:  could not create any TCP/IP sockets',
      '2026-12-01 22:18:17.833 UTC [1] LOG:  database system is shut down',
    ].join('\n');
    const reason = startFailureReason(log)!;
    expect(reason).toBe('could not bind IPv4 address "127.0.0.1": Address already in use');
    expect(isPortConflict(reason)).toBe(true);
  });

  it('keeps the hint of the last fatal line', () => {
    const log =
      'x FATAL:  data directory "/d" has invalid permissions\nx DETAIL:  Permissions should be u=rwx (0700) or u=rwx,g=rx (0750).\nx HINT:  fix it\n';
    expect(startFailureReason(log)).toBe('data directory "/d" has invalid permissions (fix it)');
    expect(isPortConflict('data directory "/d" has invalid permissions')).toBe(false);
  });

  it('says nothing when the log has no error', () => {
    expect(startFailureReason('x LOG:  starting\n')).toBeUndefined();
    expect(startFailureReason('')).toBeUndefined();
  });
});

describe('path chain', () => {
  it('lists every directory from the root down', () => {
    expect(pathChain('/root/crm/.data')).toEqual(['/', '/root', '/root/crm', '/root/crm/.data']);
    expect(pathChain('/')).toEqual(['/']);
  });
});
