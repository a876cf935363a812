/**
 * A few Redis commands over one TCP connection (RESP2), for the scale test to look at and clean up
 * the keys its Directus instances wrote: no client library is a dependency of the project (Directus
 * brings its own ioredis for itself).
 */
import { connect, type Socket } from 'node:net';

/**
 * The environment that puts every Redis key a Directus 11.17.4 instance writes under `run`'s prefix
 * (Directus' own names for its namespaces, and the rate limiter's key prefix), on the Redis at `url`:
 * instances given the same `run` share their caches, bus, locks and counters, and nothing else's.
 */
export function redisNamespaceEnv(url: string, run: string): Record<string, string> {
  return {
    REDIS: url,
    CACHE_NAMESPACE: `${run}:cache`,
    REDIS_BUS_NAMESPACE: `${run}:bus`,
    REDIS_LOCK_NAMESPACE: `${run}:lock`,
    REDIS_PERMISSIONS_NAMESPACE: `${run}:permissions`,
    REDIS_COUNTERS_NAMESPACE: `${run}:counters`,
    SYNCHRONIZATION_NAMESPACE: `${run}:sync`,
    RATE_LIMITER_KEY_PREFIX: `${run}:rl`,
  };
}

type Reply = string | number | null | Reply[] | Error;

export class RedisConnection {
  private buffer = Buffer.alloc(0);
  private readonly waiting: Array<{ resolve: (reply: Reply) => void; reject: (error: Error) => void }> = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const parsed = parseReply(this.buffer, 0);
        if (!parsed) break;
        this.buffer = this.buffer.subarray(parsed.end);
        this.waiting.shift()?.resolve(parsed.reply);
      }
    });
    socket.on('error', (error) => {
      for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    });
  }

  static async open(url: string): Promise<RedisConnection> {
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RedisConnection(socket);
  }

  command(...args: Array<string | number>): Promise<Reply> {
    const parts = args.map(String);
    const wire = `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`;
    return new Promise((resolve, reject) => {
      this.waiting.push({
        resolve: (reply) => (reply instanceof Error ? reject(reply) : resolve(reply)),
        reject,
      });
      this.socket.write(wire);
    });
  }

  /** Every key matching `pattern` (SCAN, never KEYS). */
  async keys(pattern = '*'): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = (await this.command('SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000)) as [string, string[]];
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return [...new Set(found)];
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 500) await this.command('DEL', ...keys.slice(i, i + 500));
  }

  close(): void {
    this.socket.end();
  }
}

function parseReply(buffer: Buffer, start: number): { reply: Reply; end: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n', start);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buffer[start]!);
  const line = buffer.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { reply: line, end: next };
    case '-':
      return { reply: new Error(line), end: next };
    case ':':
      return { reply: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { reply: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { reply: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { reply: null, end: next };
      const items: Reply[] = [];
      let position = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, position);
        if (!item) return undefined;
        items.push(item.reply);
        position = item.end;
      }
      return { reply: items, end: position };
    }
    default:
      throw new Error(`unexpected Redis reply type ${JSON.stringify(type)}`);
  }
}
