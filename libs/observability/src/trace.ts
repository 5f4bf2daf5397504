import { randomFillSync } from 'node:crypto';

/** The W3C trace context of one span: which trace it belongs to, its own id, and its parent's. */
export interface TraceContext {
  /** 32 lower-case hex digits, shared by every span of one request's journey. */
  readonly traceId: string;
  /** 16 lower-case hex digits, this span. */
  readonly spanId: string;
  /** The caller's span, when the trace was continued from a `traceparent` header. */
  readonly parentSpanId?: string;
  readonly sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

// Ids are cut from a pool of random bytes filled 4 KB at a time: one system call per ~170 spans instead of one per
// id, which on a hot path cost more than everything else a service call does.
const pool = Buffer.alloc(4096);
let offset = pool.length;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  let hex = '';
  for (let i = 0; i < bytes; i++) hex += HEX[pool[offset + i]!];
  offset += bytes;
  return hex;
}

/** A new random trace id (16 bytes, hex). */
export const newTraceId = (): string => randomHex(16);

/** A new random span id (8 bytes, hex). */
export const newSpanId = (): string => randomHex(8);

/**
 * Parses a W3C `traceparent` header. Returns undefined for anything invalid (wrong shape, version ff,
 * all-zero ids, extra fields on version 00), as the spec asks: the receiver then starts a new trace.
 */
export function parseTraceparent(header: string | undefined): { traceId: string; parentSpanId: string; sampled: boolean } | undefined {
  if (!header) return undefined;
  const match = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!match) return undefined;
  const [, version, traceId, parentSpanId, flags, rest] = match as unknown as [string, string, string, string, string, string?];
  if (version === 'ff' || (version === '00' && rest)) return undefined;
  if (traceId === ZERO_TRACE || parentSpanId === ZERO_SPAN) return undefined;
  return { traceId, parentSpanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

/** Formats a span as a version-00 `traceparent` header value. */
export function formatTraceparent(trace: Pick<TraceContext, 'traceId' | 'spanId' | 'sampled'>): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.sampled ? '01' : '00'}`;
}

/** The server span of an incoming request: continues the caller's trace when its header is valid, else starts one. */
export function continueOrStartTrace(header: string | undefined): TraceContext {
  const parent = parseTraceparent(header);
  if (parent) return { traceId: parent.traceId, parentSpanId: parent.parentSpanId, spanId: newSpanId(), sampled: parent.sampled };
  return { traceId: newTraceId(), spanId: newSpanId(), sampled: true };
}

/** A child span of `trace`, e.g. for one attempt of an outgoing call. */
export function childSpan(trace: TraceContext): TraceContext {
  return { traceId: trace.traceId, parentSpanId: trace.spanId, spanId: newSpanId(), sampled: trace.sampled };
}
