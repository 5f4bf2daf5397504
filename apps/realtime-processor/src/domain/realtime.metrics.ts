import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LATENCY_BUCKETS } from '@ai-ninja/observability';

/** realtime-processor's own metrics, on the service's `/metrics`. */
export interface RealtimeMetrics {
  readonly connections: Gauge;
  /** Answers sent, by who wrote them: `engine` or `fallback`. */
  readonly turns: Counter<'source'>;
  /** processingLatency of the answers sent, in seconds. */
  readonly turnLatency: Histogram<'source'>;
  /** Messages refused with an `error`, by code. */
  readonly rejected: Counter<'code'>;
  /** Calls ended, by the reason reported to phone-gateway. */
  readonly callsEnded: Counter<'reason'>;
  /** Upgrades refused, by HTTP status. */
  readonly upgradesRefused: Counter<'status'>;
}

export function createRealtimeMetrics(registry: Registry): RealtimeMetrics {
  const registers = [registry];
  return {
    connections: new Gauge({ name: 'realtime_connections', help: 'Open call WebSockets', registers }),
    turns: new Counter({ name: 'realtime_turns_total', help: 'Answers sent to callers, by source (engine or fallback)', labelNames: ['source'], registers }),
    turnLatency: new Histogram({
      name: 'realtime_turn_latency_seconds',
      help: 'Time from a final transcript to its answer being sent, by source',
      labelNames: ['source'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    rejected: new Counter({ name: 'realtime_messages_rejected_total', help: 'Client messages answered with an error, by code', labelNames: ['code'], registers }),
    callsEnded: new Counter({ name: 'realtime_calls_ended_total', help: 'Calls ended, by reason', labelNames: ['reason'], registers }),
    upgradesRefused: new Counter({ name: 'realtime_upgrades_refused_total', help: 'WebSocket upgrades refused, by HTTP status', labelNames: ['status'], registers }),
  };
}
