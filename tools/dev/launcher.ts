/**
 * Starts services of the catalog as separate processes and stops them cleanly. Used by `npm start`, the RSS script
 * and the system tests, so what the tests prove is what developers run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SERVICES, type ServiceDefinition, type ServiceName } from '@ai-ninja/contracts';

/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `dist`: the built JavaScript, as in production; `source`: the TypeScript through tsx, no build needed. */
export type LaunchMode = 'dist' | 'source';

/** One running service process. */
export interface LaunchedService {
  readonly name: ServiceName;
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  readonly exited: Promise<number | string>;
}

/** Options of {@link launchServices}. */
export interface LaunchOptions {
  readonly mode: LaunchMode;
  readonly services?: readonly ServiceDefinition[];
  /** Port per service; the catalog's by default. */
  readonly portOf?: (service: ServiceDefinition) => number;
  readonly env?: NodeJS.ProcessEnv;
  /** Extra node options for every service, e.g. `--cpu-prof` (which NODE_OPTIONS does not allow). */
  readonly nodeArgs?: readonly string[];
  /** Each line a service writes, on stdout or stderr. */
  readonly onLine?: (service: ServiceName, line: string, stream: 'stdout' | 'stderr') => void;
}

/**
 * Compiles the services and the libraries they use (`tsc --build`, incremental: a second run with nothing changed
 * takes about a second). Returns false when the compiler reported errors, which it has printed.
 */
export function buildServices(): boolean {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  return spawnSync(process.execPath, [tsc, '--build', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' }).status === 0;
}

/** Ports this process has handed out. */
const HANDED_OUT = new Set<number>();

/** A free TCP port on loopback, for tests that must not collide with a running system; never the same one twice. */
export async function freePort(): Promise<number> {
  for (;;) {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    server.close();
    await once(server, 'close');
    // The kernel may hand the same port out again at once: never give one twice, or two services would collide.
    if (!HANDED_OUT.has(port)) {
      HANDED_OUT.add(port);
      return port;
    }
  }
}

/** The secret the services of one launch share for their credentials, unless SERVICE_AUTH_SECRET is set. */
const SESSION_SECRET = process.env.SERVICE_AUTH_SECRET ?? randomBytes(32).toString('base64url');

/**
 * Starts each service as its own process. Every process gets every service's discovery variable, so they find each
 * other on these ports, and an IPC channel: when the launcher dies, even by SIGKILL, the channel closes and each
 * service shuts itself down, so no process is left behind.
 */
export function launchServices(options: LaunchOptions): LaunchedService[] {
  const services = options.services ?? SERVICES;
  const portOf = options.portOf ?? ((service: ServiceDefinition) => service.port);
  const discovery = Object.fromEntries(SERVICES.map((s) => [s.discoveryEnv, `http://127.0.0.1:${portOf(s)}`]));
  return services.map((service) => {
    const port = portOf(service);
    const appDir = join(ROOT, 'apps', service.name);
    const nodeArgs = options.nodeArgs ?? [];
    const args = options.mode === 'dist' ? [...nodeArgs, join(appDir, 'dist', 'main.js')] : [...nodeArgs, '--conditions=@ai-ninja/source', '--import', 'tsx', join(appDir, 'src', 'main.ts')];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, SERVICE_AUTH_SECRET: SESSION_SECRET, ...discovery, LOG_FORMAT: 'json', ...options.env, PORT: String(port) },
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: child[stream]! }).on('line', (line) => options.onLine?.(service.name, line, stream));
    }
    const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
    return { name: service.name, port, url: `http://127.0.0.1:${port}`, child, exited };
  });
}

/**
 * Waits until every service answers `/health/ready` with 200. Rejects, naming the laggards, when one exits first
 * or `timeoutMs` passes.
 */
export async function waitUntilReady(services: readonly LaunchedService[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(services);
  const failures = services.map((s) => s.exited.then((code) => Promise.reject(new Error(`${s.name} exited (${code}) before it was ready`))));
  const polling = (async () => {
    while (pending.size > 0) {
      if (Date.now() > deadline) {
        throw new Error(`Not ready after ${timeoutMs} ms: ${[...pending].map((s) => s.name).join(', ')}`);
      }
      await Promise.all(
        [...pending].map(async (service) => {
          const response = await fetch(`${service.url}/health/ready`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
          await response?.body?.cancel();
          if (response?.status === 200) pending.delete(service);
        }),
      );
      if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  try {
    await Promise.race([polling, ...failures]);
  } finally {
    for (const failure of failures) failure.catch(() => undefined);
  }
}

/**
 * Sends SIGTERM to every service still running and waits for each to exit; one that outlives `killAfterMs` gets
 * SIGKILL. Returns each service's exit code (or signal name).
 */
export async function stopServices(services: readonly LaunchedService[], killAfterMs = 15_000): Promise<Map<ServiceName, number | string>> {
  const results = await Promise.all(
    services.map(async (service) => {
      if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGTERM');
      const timer = setTimeout(() => service.child.kill('SIGKILL'), killAfterMs);
      const code = await service.exited;
      clearTimeout(timer);
      return [service.name, code] as const;
    }),
  );
  return new Map(results);
}
