/**
 * `npm start`: builds the services, starts the nine as separate processes with their embedded defaults, and the
 * nginx gateway on port 8080 in front of them when nginx is installed; waits until every one is ready, prints where
 * they are, and on Ctrl-C (or SIGTERM) stops them all and exits 0.
 * Logs are human-readable on a terminal and JSON lines otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { prettyFactory } from 'pino-pretty';
import { SERVICES, type ServiceName } from '@ai-ninja/contracts';
import { buildServices, launchServices, ROOT, stopServices, waitUntilReady, type LaunchedService } from './launcher.js';

const tty = process.stdout.isTTY === true;
const color = (code: number) => (text: string) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
const [dim, bold, red, green] = [color(2), color(1), color(31), color(32)];
const width = Math.max(...SERVICES.map((s) => s.name.length));

function build(): void {
  const started = Date.now();
  if (!buildServices()) {
    console.error(red('Build failed: fix the errors above, then run npm start again.'));
    process.exit(1);
  }
  console.log(dim(`built in ${Date.now() - started} ms`));
}

const prettify = tty ? prettyFactory({ colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' }) : undefined;

function printLine(service: ServiceName, line: string, stream: 'stdout' | 'stderr'): void {
  const out = stream === 'stderr' ? process.stderr : process.stdout;
  if (!prettify) {
    out.write(`${line}\n`);
    return;
  }
  const prefix = dim(`${service.padEnd(width)} │ `);
  const text = line.startsWith('{') ? prettify(line).trimEnd() : line;
  out.write(`${prefix}${text}\n`);
}

/** The gateway process (deploy/nginx/local-gateway.main.ts): renders the local template and runs nginx. */
interface Gateway {
  readonly child: ChildProcess;
  /** The gateway's URL once nginx listens; undefined when it exited instead (no nginx, port taken). */
  readonly url: Promise<string | undefined>;
  readonly exited: Promise<number | string>;
}

// Run as its own process, like the services: deploy's gateway module is not a dependency of the tools, and the
// gateway process stops nginx by itself when this runner goes away (its IPC channel closes).
function launchGateway(): Gateway {
  const child = spawn(process.execPath, ['--conditions=@ai-ninja/source', '--import', 'tsx', join(ROOT, 'deploy', 'nginx', 'local-gateway.main.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  for (const [input, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const) {
    if (input) createInterface({ input }).on('line', (line) => out.write(`${dim(`${'gateway'.padEnd(width)} │ `)}${line}\n`));
  }
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const url = new Promise<string | undefined>((resolve) => {
    child.on('message', (message) => resolve((message as { url?: string }).url));
    void exited.then(() => resolve(undefined));
  });
  return { child, url, exited };
}

function printTable(services: readonly LaunchedService[], readyMs: number, gatewayUrl: string | undefined): void {
  const rows = services.map((s) => [s.name, String(s.port), String(s.child.pid), `http://localhost:${s.port}`, `http://localhost:${s.port}/health/ready`]);
  const header = ['service', 'port', 'pid', 'url', 'readiness'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`\n${bold(format(header))}\n${rows.map(format).join('\n')}\n`);
  console.log(gatewayUrl ? `Gateway (nginx): ${bold(gatewayUrl)}, e.g. ${gatewayUrl}/api/whitelist/…\n` : dim('No gateway on :8080 (see its message above).\n'));
  console.log(green(`All ${services.length} services are ready (${readyMs} ms after launch).`) + ' Press Ctrl-C to stop them all.\n');
}

async function main(): Promise<void> {
  build();
  const launchedAt = Date.now();
  const services = launchServices({ mode: 'dist', onLine: printLine });
  const gateway = launchGateway();
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    console.log(dim(`\n${why}: stopping the gateway and ${services.length} services…`));
    // The gateway first, so that no request reaches a service that is shutting down through it.
    if (gateway.child.exitCode === null && gateway.child.signalCode === null) gateway.child.kill('SIGTERM');
    const gatewayCode = await gateway.exited;
    if (gatewayCode !== 0) console.error(red(`The gateway stopped with ${gatewayCode}.`));
    const codes = await stopServices(services);
    const failed = [...codes].filter(([, code]) => code !== 0);
    if (failed.length > 0) {
      console.error(red(`Not every service stopped cleanly: ${failed.map(([name, code]) => `${name} (${code})`).join(', ')}`));
      process.exit(1);
    }
    console.log(green('All services stopped.'));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('Ctrl-C'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  for (const service of services) {
    void service.exited.then((code) => {
      if (!stopping) console.error(red(`${service.name} exited unexpectedly (${code}); the others keep running.`));
    });
  }
  try {
    await waitUntilReady(services);
  } catch (error) {
    console.error(red(`Start failed: ${(error as Error).message}`));
    await stop('start failed');
    return;
  }
  printTable(services, Date.now() - launchedAt, await gateway.url);
}

await main();
