/**
 * Runs the gateway with the nginx installed on this machine: renders the template for the environment into a
 * private prefix under the temp directory and starts nginx in the foreground, unprivileged. Used by `npm start`
 * (through local-gateway.main.ts) and by the tests, so both run the same configuration.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { renderGatewayFiles, type GatewayEnvironment } from './nginx-render.js';

export { gatewayVariables, renderGatewayFiles, substitute, type GatewayEnvironment, type TlsSettings } from './nginx-render.js';

/** What to tell someone without nginx. */
export const NGINX_INSTALL_HINT = 'sudo apt-get install nginx';

/** The nginx binary: `NGINX_BIN`, Debian's /usr/sbin/nginx, or the first `nginx` on the PATH; undefined if none. */
export function findNginx(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [env.NGINX_BIN, '/usr/sbin/nginx', ...(env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'nginx'))];
  return candidates.find((path) => {
    if (!path) return false;
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Options of {@link startGateway}. */
export interface GatewayOptions extends GatewayEnvironment {
  /** The nginx binary; {@link findNginx} by default. */
  readonly nginx?: string;
  /** Each line nginx writes: access log (JSON) on stdout, error log on stderr. */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** How long to wait for nginx to listen. */
  readonly timeoutMs?: number;
}

/** A running nginx. */
export interface RunningGateway {
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The prefix directory: conf/, the pid file and temp paths. Removed by stop(). */
  readonly prefix: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) when nginx ends. */
  readonly exited: Promise<number | string>;
  /** Fast shutdown (SIGTERM), waits for the exit, removes the prefix. Calling it again returns the same promise. */
  stop(): Promise<number | string>;
}

/** Writes the rendered files under `<prefix>/conf/` and returns the prefix. */
export function writeGatewayPrefix(environment: GatewayEnvironment, prefix = mkdtempSync(join(tmpdir(), 'ai-ninja-gateway-'))): string {
  // When run as root, nginx's workers run as nobody and must reach the temp paths inside the prefix.
  chmodSync(prefix, 0o755);
  for (const [path, text] of renderGatewayFiles(environment)) {
    const file = join(prefix, 'conf', path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return prefix;
}

/** The arguments that run nginx in the foreground on a prefix made by {@link writeGatewayPrefix}. */
export function nginxArguments(prefix: string): string[] {
  return ['-p', `${prefix}/`, '-c', 'conf/nginx.conf', '-e', 'stderr', '-g', 'daemon off;'];
}

/**
 * Starts nginx for the environment and resolves once it accepts connections on `port`. Rejects with nginx's own
 * error lines when it exits first (a bad configuration, a port in use) or does not listen within the timeout.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const nginx = options.nginx ?? findNginx();
  if (!nginx) throw new Error(`nginx is not installed (${NGINX_INSTALL_HINT})`);
  const prefix = writeGatewayPrefix(options);
  const child = spawn(nginx, nginxArguments(prefix), { stdio: ['ignore', 'pipe', 'pipe'] });
  const errors: string[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    createInterface({ input: child[stream] }).on('line', (line) => {
      if (stream === 'stderr') errors.push(line);
      options.onLine?.(line, stream);
    });
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (error) => {
      errors.push(error.message);
      resolve('spawn failed');
    });
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  let stopping: Promise<number | string> | undefined;
  const gateway: RunningGateway = {
    port: options.port,
    url: `http://127.0.0.1:${options.port}`,
    prefix,
    child,
    exited,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        const code = await exited;
        clearTimeout(timer);
        rmSync(prefix, { recursive: true, force: true });
        return code;
      })();
      return stopping;
    },
  };
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let done = false;
  const ended = exited.then((code) => {
    if (!done) throw new Error(`nginx exited (${code}) before listening on ${options.port}:\n${errors.join('\n')}`);
  });
  try {
    await Promise.race([ended, waitForPort(options.port, deadline, () => done)]);
    done = true;
    return gateway;
  } catch (error) {
    done = true;
    await gateway.stop();
    throw error;
  } finally {
    ended.catch(() => undefined);
  }
}

async function waitForPort(port: number, deadline: number, cancelled: () => boolean): Promise<void> {
  while (!cancelled()) {
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port} in time`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
