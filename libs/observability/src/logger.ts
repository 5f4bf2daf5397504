import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { getRequestContext } from './context.js';

/** The logger every service and library uses. */
export type Logger = PinoLogger;

/** `json` for machines, `pretty` for people, `auto`: pretty on a terminal, JSON otherwise. */
export type LogFormat = 'json' | 'pretty' | 'auto';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  readonly service: string;
  readonly level?: string;
  readonly format?: LogFormat;
  /** Where lines go; standard output by default. Tests pass a stream to read them back. */
  readonly destination?: DestinationStream;
}

/**
 * A pino logger whose every line carries the service name and, inside a request, its request id and trace ids,
 * so that one grep follows a request through every service.
 */
export function createLogger(options: LoggerOptions): Logger {
  const format = options.format ?? 'auto';
  const pretty = format === 'pretty' || (format === 'auto' && !options.destination && process.stdout.isTTY === true);
  // Standard output is written asynchronously: lines that arrive while a write is under way go out together in the
  // next one, so a busy service makes one write per batch instead of one blocking write per line. pino flushes what
  // is left synchronously when the process exits (runMain logs fatal errors before exiting).
  const destination = options.destination ?? (pretty ? prettyStream() : pino.destination({ dest: 1, sync: false }));
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service, pid: process.pid, hostname: hostname() },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const context = getRequestContext();
        return context ? { requestId: context.requestId, traceId: context.trace.traceId, spanId: context.trace.spanId } : {};
      },
    },
    destination,
  );
}

// pino-pretty is loaded only when a person is watching, and synchronously, so a service on a terminal starts no
// worker thread for its logs.
function prettyStream(): DestinationStream {
  const require = createRequire(import.meta.url);
  const pretty = require('pino-pretty') as (options: Record<string, unknown>) => DestinationStream;
  return pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
}
