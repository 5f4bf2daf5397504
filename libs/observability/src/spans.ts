/**
 * The server span of one request a service served: enough to put the hops of one request in order across services
 * (monitoring gathers them from every service's `GET /internal/spans`).
 */
export interface Span {
  readonly requestId: string;
  readonly traceId: string;
  readonly spanId: string;
  /** The caller's span (from its `traceparent`), absent when this span started the trace. */
  readonly parentSpanId?: string;
  readonly service: string;
  readonly method: string;
  /** The route template that answered (`/api/v1/whitelist/:userId`), never the raw URL; `unmatched` for a 404. */
  readonly route: string;
  readonly status: number;
  /** When the request arrived, epoch milliseconds. */
  readonly startMs: number;
  readonly durationMs: number;
}

/** Default capacity of a {@link SpanRecorder}. */
export const DEFAULT_SPAN_CAPACITY = 5000;

/**
 * The last `capacity` spans a service served, in a ring buffer: memory stays bounded whatever the traffic, and a
 * request's spans are there for as long as the buffer has not turned over (minutes on a busy service).
 */
export class SpanRecorder {
  readonly #ring: Array<Span | undefined>;
  #next = 0;
  #size = 0;

  constructor(readonly capacity = DEFAULT_SPAN_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`SpanRecorder capacity must be a positive integer, got ${capacity}`);
    this.#ring = new Array<Span | undefined>(capacity);
  }

  /** Spans held right now (at most `capacity`). */
  get size(): number {
    return this.#size;
  }

  /** Keeps `span`, overwriting the oldest one when the buffer is full. */
  record(span: Span): void {
    this.#ring[this.#next] = span;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size += 1;
  }

  /** The spans of one request, oldest first. A linear scan: lookups are rare (a person asking), records are not. */
  byRequestId(requestId: string): Span[] {
    const found: Span[] = [];
    for (let i = 0; i < this.#size; i++) {
      const span = this.#ring[(this.#next - this.#size + i + this.capacity) % this.capacity];
      if (span?.requestId === requestId) found.push(span);
    }
    return found;
  }
}
