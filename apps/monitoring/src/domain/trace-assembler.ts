import { isServiceName, SERVICES, type SpanBody } from '@ai-ninja/contracts';

/** One hop of a request: a service serving it, with its place in the call tree. */
export interface Hop extends SpanBody {
  /** The replica that reported it. */
  readonly replica: string;
  readonly start: string;
  /** Milliseconds after the first hop started. */
  readonly offsetMs: number;
  /** 0 for the entry hop; n for a hop called (directly or not) by a hop at depth n-1. */
  readonly depth: number;
  /** The span id of the hop that called this one, when it could be told. */
  readonly calledBy: string | null;
}

/** A request's journey across services. */
export interface AssembledTrace {
  readonly requestId: string;
  readonly traceIds: readonly string[];
  readonly startedAt: string;
  readonly durationMs: number;
  readonly services: readonly string[];
  readonly hops: readonly Hop[];
}

/**
 * Orders the spans of one request by start time and puts each under the hop that called it. Services record only
 * their server spans; the caller's client span (the `parentSpanId` a callee sees) is not recorded, so the caller is
 * found as the span of the same trace, on another service, whose time contains the callee's: one whose service the
 * catalog says calls the callee's first, then the innermost. With clocks
 * that disagree across machines a callee may not fit inside its caller: it then stays at the top level, still in
 * time order.
 */
export function assembleTrace(requestId: string, spans: ReadonlyArray<SpanBody & { replica: string }>): AssembledTrace | undefined {
  if (spans.length === 0) return undefined;
  const sorted = [...spans].sort((a, b) => a.startMs - b.startMs || b.durationMs - a.durationMs);
  const first = sorted[0]!.startMs;
  const end = Math.max(...sorted.map((s) => s.startMs + s.durationMs));
  const depths = new Map<string, number>();
  const hops: Hop[] = [];
  for (const span of sorted) {
    const caller = sorted
      .filter(
        (candidate) =>
          candidate !== span &&
          candidate.traceId === span.traceId &&
          candidate.service !== span.service &&
          candidate.startMs <= span.startMs &&
          candidate.startMs + candidate.durationMs >= span.startMs + span.durationMs &&
          depths.has(candidate.spanId),
      )
      // A caller the catalog says calls this service beats one that merely overlapped in time; then the innermost.
      .sort((a, b) => Number(mayCall(b.service, span.service)) - Number(mayCall(a.service, span.service)) || a.durationMs - b.durationMs)[0];
    const depth = caller ? depths.get(caller.spanId)! + 1 : 0;
    depths.set(span.spanId, depth);
    hops.push({ ...span, start: new Date(span.startMs).toISOString(), offsetMs: round(span.startMs - first), depth, calledBy: caller?.spanId ?? null });
  }
  return {
    requestId,
    traceIds: [...new Set(sorted.map((s) => s.traceId))],
    startedAt: new Date(first).toISOString(),
    durationMs: round(end - first),
    services: [...new Set(sorted.map((s) => s.service))],
    hops,
  };
}

/** Whether the catalog lists `callee` among `caller`'s direct calls (every service also reads configuration). */
function mayCall(caller: string, callee: string): boolean {
  if (callee === 'configuration') return true;
  const entry = isServiceName(caller) ? SERVICES.find((s) => s.name === caller) : undefined;
  return (entry?.calls as readonly string[] | undefined)?.includes(callee) ?? false;
}

const round = (n: number) => Math.round(n * 1000) / 1000;
