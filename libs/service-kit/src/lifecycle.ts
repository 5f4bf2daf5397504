import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { HealthRegistry } from '@ai-ninja/health';
import type { Logger } from '@ai-ninja/observability';

/** A service listening on its port. */
export interface RunningService {
  readonly server: Server;
  readonly port: number;
  /** `http://127.0.0.1:<port>`, for tests and tools on the same machine. */
  readonly url: string;
  readonly logger: Logger;
  /**
   * Graceful shutdown: readiness fails at once; the listener stays open (answering probes with 503) while requests
   * are in flight and for the drain delay; then it stops accepting, idle keep-alive sockets close, and the disposers
   * run in reverse order. Past the timeout every connection is cut and `forced` is true. Calling it again returns
   * the same promise.
   */
  close(reason?: string): Promise<{ forced: boolean }>;
}

/** What the lifecycle needs from the service. */
export interface LifecycleDeps {
  readonly server: Server;
  readonly health: HealthRegistry;
  readonly logger: Logger;
  readonly inFlight: InFlightTracker;
  readonly disposers: ReadonlyArray<{ name: string; dispose: () => unknown }>;
  /** Run together once requests are done, before the listener closes (see `Service.onDrain`). */
  readonly drainers?: ReadonlyArray<{ name: string; drain: () => unknown }>;
  readonly drainDelayMs: number;
  readonly shutdownTimeoutMs: number;
}

/** Counts requests being served and tells when none is left. */
export class InFlightTracker {
  #count = 0;
  #waiters: Array<() => void> = [];

  get count(): number {
    return this.#count;
  }

  started(): void {
    this.#count += 1;
  }

  finished(): void {
    this.#count -= 1;
    if (this.#count === 0) for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Resolves as soon as no request is in flight. */
  idle(): Promise<void> {
    return this.#count === 0 ? Promise.resolve() : new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/** Starts listening and returns the handle that shuts the service down gracefully. */
export async function listen(deps: LifecycleDeps, port: number, host: string): Promise<RunningService> {
  const { server, health, logger, inFlight, disposers } = deps;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;

  let closing: Promise<{ forced: boolean }> | undefined;
  const graceful = async (reason: string) => {
    logger.info({ reason, inFlight: inFlight.count }, 'shutdown started: readiness fails from now on');
    health.startDraining();
    await delay(deps.drainDelayMs);
    await inFlight.idle();
    await Promise.all(
      (deps.drainers ?? []).map(async ({ name, drain }) => {
        try {
          await drain();
        } catch (error) {
          logger.error({ err: error, drainer: name }, 'a drainer failed during shutdown');
        }
      }),
    );
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    for (const { name, dispose } of [...disposers].reverse()) {
      try {
        await dispose();
      } catch (error) {
        logger.error({ err: error, disposer: name }, 'a disposer failed during shutdown');
      }
    }
    logger.info('shutdown complete');
  };

  return {
    server,
    port: actualPort,
    url: `http://127.0.0.1:${actualPort}`,
    logger,
    close(reason = 'close requested') {
      closing ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), deps.shutdownTimeoutMs);
        });
        const outcome = await Promise.race([graceful(reason), timedOut]);
        clearTimeout(timer);
        if (outcome !== 'timeout') return { forced: false };
        logger.error({ inFlight: inFlight.count, timeoutMs: deps.shutdownTimeoutMs }, 'shutdown timed out: cutting every connection');
        server.closeAllConnections();
        return { forced: true };
      })();
      return closing;
    },
  };
}

/**
 * The process around a service, for `main.ts`: starts it, and on SIGTERM, SIGINT, or the parent process going
 * away (the dev runner's IPC channel closing) shuts it down gracefully and exits 0, or 1 when shutdown was forced.
 * A programmer error (uncaught exception, unhandled rejection) is logged and ends the process the same way, with 1.
 * A failure to start (bad configuration, port in use) is printed and exits 1.
 */
export function runMain(start: () => Promise<RunningService>): void {
  let running: RunningService | undefined;
  let stopping = false;

  const stop = async (reason: string, exitCode: number) => {
    if (stopping) {
      running?.logger.info({ reason }, 'already shutting down');
      return;
    }
    stopping = true;
    if (!running) process.exit(exitCode);
    const { forced } = await running.close(reason);
    process.exit(forced ? 1 : exitCode);
  };

  process.on('SIGTERM', () => void stop('SIGTERM', 0));
  process.on('SIGINT', () => void stop('SIGINT', 0));
  process.on('disconnect', () => void stop('parent process went away', 0));
  const crash = (kind: string) => (error: unknown) => {
    if (running) running.logger.fatal({ err: error }, `${kind}: shutting down`);
    else console.error(error);
    void stop(kind, 1);
  };
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled rejection'));

  start().then(
    (service) => {
      running = service;
      service.logger.info({ port: service.port }, 'listening');
    },
    (error: unknown) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (code === 'EADDRINUSE') console.error(`Cannot start: ${(error as Error).message}. Is another copy already running? Set PORT to use another port.`);
      else console.error(error instanceof Error && error.name === 'ConfigError' ? error.message : error);
      process.exit(1);
    },
  );
}
