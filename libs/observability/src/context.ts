import { AsyncLocalStorage } from 'node:async_hooks';
import type { TraceContext } from './trace.js';

/** What is known about the request being served, available anywhere down its async call chain. */
export interface RequestContext {
  readonly requestId: string;
  readonly trace: TraceContext;
  /** Epoch milliseconds after which the caller no longer waits for an answer. */
  readonly deadline?: number;
  /** Non-zero when this request is itself a retry of the caller's, so it must not retry its own calls again. */
  readonly retryAttempt: number;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with `context` as the current request context. */
export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The context of the request being served, or undefined outside of one (start-up, timers, background jobs). */
export function getRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Milliseconds left before the current request's deadline; undefined when there is no deadline. */
export function remainingTimeMs(now = Date.now()): number | undefined {
  const deadline = storage.getStore()?.deadline;
  return deadline === undefined ? undefined : deadline - now;
}
