/**
 * The datastores of a test system: schemas on the shared PostgreSQL and a database index on the shared Redis, both
 * private to one run and removed at its end; and private servers (initdb/pg_ctl, redis-server) on free ports for the
 * tests that stop them. The shared servers at 5432 and 6379 are never stopped.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort } from '@ai-ninja/tools/launcher';
import { guard, release } from './watchdog.js';

const run = promisify(execFile);

/** The shared PostgreSQL of this machine and CI. */
export const SHARED_POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** The shared Redis of this machine and CI. */
export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Runs `fn` with a connected client; always disconnects. */
export async function withPostgres<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drops these schemas with everything in them (the services create them when they start). */
export async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  if (schemas.length === 0) return;
  await withPostgres(url, async (client) => {
    for (const schema of schemas) await client.query(`drop schema if exists "${schema}" cascade`);
  });
}

/** One Redis database index claimed for a run. */
export interface RedisDatabase {
  /** `redis://host:port/<index>`: every service of the run uses this database only. */
  readonly url: string;
  readonly index: number;
  /** Empties the database (only this run wrote there) and disconnects. */
  release(): Promise<void>;
}

const CLAIM_KEY = 'ai-ninja:integration-tests:claim';

/**
 * Claims an empty database index (15 down to 1; 0 is where everything else writes) by setting a claim key in it, so
 * two runs at once never share one. Services take the index from the URL's path (ioredis reads it there).
 */
export async function claimRedisDatabase(baseUrl = SHARED_REDIS_URL, runId: string): Promise<RedisDatabase> {
  for (let index = 15; index >= 1; index -= 1) {
    const redis = new Redis(`${baseUrl}/${index}`, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
    await redis.connect();
    try {
      // Only an empty database is taken; a run that died leaves its claim to expire after an hour.
      if ((await redis.dbsize()) === 0 && (await redis.set(CLAIM_KEY, runId, 'EX', 3600, 'NX')) === 'OK') {
        return {
          url: `${baseUrl}/${index}`,
          index,
          async release() {
            try {
              if ((await redis.get(CLAIM_KEY)) === runId) await redis.flushdb();
            } finally {
              redis.disconnect();
            }
          },
        };
      }
    } catch (error) {
      redis.disconnect();
      throw error;
    }
    redis.disconnect();
  }
  throw new Error(`No empty Redis database index at ${baseUrl} (1-15 all hold keys)`);
}

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * A private PostgreSQL in a temporary directory on a free port, for tests that stop and start it. initdb refuses to
 * run as root: as root, the server runs as the `postgres` user (as in libs/data's outage tests).
 */
export class PrivatePostgres {
  #postmaster: number | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async create(): Promise<PrivatePostgres> {
    const dir = await mkdtemp(join(tmpdir(), 'ai-ninja-it-pg-'));
    if (userInfo().uid === 0) {
      const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
      const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
      chownSync(dir, uid, gid);
    }
    const server = new PrivatePostgres(dir, await freePort());
    await server.#asOwner('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
    await server.start();
    return server;
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c fsync=off`;
    await this.#asOwner('pg_ctl', ['-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-w', '-o', options, 'start']);
    this.#postmaster = Number(readFileSync(join(this.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    guard(this.#postmaster);
  }

  /** Fast shutdown: every session ends at once, as in a restart or a failover. */
  async stop(): Promise<void> {
    await this.#asOwner('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']);
    release(this.#postmaster);
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }

  async #asOwner(program: string, args: string[]): Promise<void> {
    const command = join(PG_BIN, program);
    if (userInfo().uid === 0) await run('runuser', ['-u', 'postgres', '--', command, ...args]);
    else await run(command, args);
  }
}

/** A private redis-server on a free port, without persistence, that a test stops and starts. */
export class PrivateRedis {
  #process: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async create(): Promise<PrivateRedis> {
    const server = new PrivateRedis(await freePort());
    await server.start();
    return server;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#process = child;
    guard(child.pid);
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      });
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    });
    child.stdout!.resume();
    child.stderr!.resume();
  }

  async stop(): Promise<void> {
    const child = this.#process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
    release(child.pid);
    this.#process = undefined;
  }
}
