/** The services a call involves, each its own process on a free port, for the end-to-end tests and the call bench. */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICES, type ServiceName } from '@ai-ninja/contracts';
import { freePort, launchServices, stopServices, waitUntilReady, type LaunchedService, type LaunchMode } from '@ai-ninja/tools/launcher';

export const INVOLVED: readonly ServiceName[] = ['phone-gateway', 'realtime-processor', 'conversation-engine', 'profile-analytics', 'user-management', 'smart-whitelist', 'storage'];

export class System {
  readonly ports = new Map<ServiceName, number>();
  readonly output: string[] = [];
  services: LaunchedService[] = [];
  readonly dataDir = mkdtempSync(join(tmpdir(), 'e2e-call-'));

  /**
   * `source` runs the TypeScript through tsx (tests); `dist` the built JavaScript as `npm start` does (benchmarks:
   * call `buildServices()` first). `nodeArgs` go to every service's node (e.g. `--cpu-prof`).
   */
  constructor(
    private readonly mode: LaunchMode = 'source',
    private readonly nodeArgs: readonly string[] = [],
  ) {}

  async start(): Promise<void> {
    for (const service of SERVICES) this.ports.set(service.name, await freePort());
    this.services = this.#launch(INVOLVED);
    await this.#ready(this.services);
  }

  url(name: ServiceName): string {
    return `http://127.0.0.1:${this.ports.get(name)}`;
  }

  async stop(name: ServiceName): Promise<void> {
    const running = this.services.filter((s) => s.name === name);
    await stopServices(running);
    this.services = this.services.filter((s) => s.name !== name);
  }

  async restart(name: ServiceName): Promise<void> {
    const started = this.#launch([name]);
    this.services.push(...started);
    await this.#ready(started);
  }

  async close(): Promise<void> {
    await stopServices(this.services);
  }

  #launch(names: readonly ServiceName[]): LaunchedService[] {
    return launchServices({
      mode: this.mode,
      services: SERVICES.filter((s) => names.includes(s.name)),
      portOf: (service) => this.ports.get(service.name)!,
      nodeArgs: this.nodeArgs,
      env: {
        HOST: '127.0.0.1',
        DATA_DIR: this.dataDir,
        // Configuration and monitoring are not part of a call: their clients stay off.
        CONFIG_SERVICE_URL: '',
        REALTIME_PUBLIC_URL: `ws://127.0.0.1:${this.ports.get('realtime-processor')}/realtime/conversation`,
        LOG_LEVEL: 'warn',
      },
      onLine: (name, line) => this.output.push(`${name}: ${line}`),
    });
  }

  async #ready(services: LaunchedService[]): Promise<void> {
    try {
      await waitUntilReady(services, 120_000);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.output.slice(-40).join('\n')}`);
    }
  }
}

/** A random valid number in San Francisco (an exchange code never starts with 0 or 1). */
export const phone = () => `+1415${String(randomInt(2_000_000, 9_999_999))}`;

/** The body of a successful response, parsed by `schema` when given; anything else fails with the body in the message. */
export async function json<T>(response: Response, schema?: { parse(value: unknown): T }): Promise<T> {
  const text = await response.text();
  assert.ok(response.ok, `HTTP ${response.status}: ${text.slice(0, 400)}`);
  const body = JSON.parse(text) as unknown;
  return schema ? schema.parse(body) : (body as T);
}

export const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
