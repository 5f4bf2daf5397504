import { addBuckets, histogramQuantile, type Buckets } from './histogram.js';
import { bucketBound, parsePrometheusText, type Sample } from './prometheus-text.js';

/** A breaker a service reports about one of its upstreams (its `service_client_breaker_state` gauge). */
export interface BreakerReport {
  /** The replica of the scraped service that reported it. */
  readonly reportedBy: string;
  readonly upstream: string;
  /** The upstream replica's URL, or `*` for the upstream-wide breaker. */
  readonly replica: string;
  readonly state: 'closed' | 'half-open' | 'open';
}

/** Rates and latency over some span of time. Rates are per second; latencies in milliseconds. */
export interface RateFigures {
  readonly requestsPerSecond: number;
  readonly clientErrorsPerSecond: number;
  readonly serverErrorsPerSecond: number;
  /** Share of requests answered 4xx / 5xx, 0..1; null when there was no request. */
  readonly clientErrorRatio: number | null;
  readonly serverErrorRatio: number | null;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
}

/** One point of a service's time series: what happened between two scrapes. */
export interface SeriesPoint extends RateFigures {
  /** End of the interval, epoch ms. */
  readonly t: number;
}

/** What monitoring knows of one service's metrics. */
export interface ServiceMetricsView {
  readonly service: string;
  /** Last scrape that succeeded on at least one replica, ISO time. */
  readonly lastScrapeAt: string | null;
  /** Successful scrapes since monitoring started, all replicas together. */
  readonly scrapes: number;
  /** Why the last scrape of a replica failed, per replica that failed. */
  readonly scrapeErrors: Readonly<Record<string, string>>;
  /** Over the last rate window (`MONITORING_RATE_WINDOW_MS`). */
  readonly current: RateFigures;
  /** Requests seen since monitoring started (between its scrapes; probes excluded). */
  readonly totals: { readonly requests: number; readonly clientErrors: number; readonly serverErrors: number };
  readonly breakers: readonly BreakerReport[];
  readonly series: readonly SeriesPoint[];
}

/** One replica's scrape result within a poll cycle. */
export type ScrapeResult = { readonly replica: string; readonly text: string } | { readonly replica: string; readonly error: string };

interface SeriesCounts {
  readonly status: number;
  readonly count: number;
  readonly buckets: Buckets;
}

/** What one scrape of one replica says, reduced to what the figures need. */
interface Snapshot {
  readonly at: number;
  /** Per label set (method, route, status) of `http_request_duration_seconds`, probes left out. */
  readonly series: ReadonlyMap<string, SeriesCounts>;
  readonly breakers: readonly BreakerReport[];
}

/** Counts between two scrapes. */
interface Interval {
  readonly t: number;
  readonly seconds: number;
  readonly requests: number;
  readonly clientErrors: number;
  readonly serverErrors: number;
  readonly buckets: Buckets;
}

interface ServiceState {
  readonly snapshots: Map<string, Snapshot>;
  readonly intervals: Array<Interval & { readonly point: SeriesPoint }>;
  readonly scrapeErrors: Map<string, string>;
  readonly totals: { requests: number; clientErrors: number; serverErrors: number };
  scrapes: number;
  lastScrapeAt: number | undefined;
}

const HISTOGRAM = 'http_request_duration_seconds';
const BREAKER_STATES = ['closed', 'half-open', 'open'] as const;

/**
 * Probes and scrapes (monitoring's own, the orchestrator's) would otherwise be most of an idle service's traffic:
 * rates count what the service serves to its callers.
 */
export function isProbeRoute(route: string): boolean {
  return route.startsWith('/health') || route === '/metrics' || route.startsWith('/internal/');
}

/** Options of {@link MetricsTracker}. */
export interface MetricsTrackerOptions {
  /** How much of each service's time series is kept, ms. */
  readonly seriesWindowMs: number;
  /** The span the `current` figures (and alert rules) are computed over, ms. */
  readonly rateWindowMs: number;
}

/**
 * Turns successive scrapes of every replica into rates, error ratios and latency percentiles: counters and
 * histogram buckets are differenced between two scrapes of the same replica (a counter that went down means the
 * replica restarted: its new value is the increase), summed across replicas, and kept as a time series.
 */
export class MetricsTracker {
  readonly #services = new Map<string, ServiceState>();

  constructor(private readonly options: MetricsTrackerOptions) {}

  /** Records one poll cycle's scrapes of one service's replicas, taken at `at` (epoch ms). */
  recordCycle(service: string, at: number, results: readonly ScrapeResult[]): void {
    const state = this.#state(service);
    const intervals: Interval[] = [];
    for (const result of results) {
      if ('error' in result) {
        state.scrapeErrors.set(result.replica, result.error);
        continue;
      }
      let snapshot: Snapshot;
      try {
        snapshot = toSnapshot(parsePrometheusText(result.text), at, result.replica);
      } catch (error) {
        state.scrapeErrors.set(result.replica, (error as Error).message);
        continue;
      }
      state.scrapeErrors.delete(result.replica);
      state.scrapes += 1;
      state.lastScrapeAt = at;
      const previous = state.snapshots.get(result.replica);
      state.snapshots.set(result.replica, snapshot);
      if (previous && at > previous.at) intervals.push(difference(previous, snapshot));
    }
    // Replicas no longer listed leave; their last figures with them.
    const listed = new Set(results.map((r) => r.replica));
    for (const replica of state.snapshots.keys()) if (!listed.has(replica)) state.snapshots.delete(replica);
    for (const replica of state.scrapeErrors.keys()) if (!listed.has(replica)) state.scrapeErrors.delete(replica);

    if (intervals.length > 0) {
      const combined: Interval = {
        t: at,
        // Replicas are scraped together: their intervals are about the same length; rates add up across them.
        seconds: intervals.reduce((sum, i) => sum + i.seconds, 0) / intervals.length,
        requests: sum(intervals, 'requests'),
        clientErrors: sum(intervals, 'clientErrors'),
        serverErrors: sum(intervals, 'serverErrors'),
        buckets: intervals.reduce<Buckets>((total, i) => addBuckets(total, i.buckets), new Map()),
      };
      state.totals.requests += combined.requests;
      state.totals.clientErrors += combined.clientErrors;
      state.totals.serverErrors += combined.serverErrors;
      state.intervals.push({ ...combined, point: { t: at, ...figures([combined]) } });
    }
    while (state.intervals.length > 0 && state.intervals[0]!.t < at - this.options.seriesWindowMs) state.intervals.shift();
  }

  /** The figures of the last rate window, or undefined when the service has no interval in it yet. */
  current(service: string, now: number): RateFigures | undefined {
    const recent = this.#recent(service, now);
    return recent.length > 0 ? figures(recent) : undefined;
  }

  /** Everything known of one service; `seriesWindowMs` limits the series returned. */
  view(service: string, now: number, seriesWindowMs = this.options.seriesWindowMs): ServiceMetricsView {
    const state = this.#state(service);
    const recent = this.#recent(service, now);
    return {
      service,
      lastScrapeAt: state.lastScrapeAt === undefined ? null : new Date(state.lastScrapeAt).toISOString(),
      scrapes: state.scrapes,
      scrapeErrors: Object.fromEntries(state.scrapeErrors),
      current: recent.length > 0 ? figures(recent) : EMPTY_FIGURES,
      totals: { ...state.totals },
      breakers: [...state.snapshots.values()].flatMap((s) => s.breakers),
      series: state.intervals.filter((i) => i.t >= now - seriesWindowMs).map((i) => i.point),
    };
  }

  #recent(service: string, now: number): Interval[] {
    return this.#state(service).intervals.filter((i) => i.t >= now - this.options.rateWindowMs);
  }

  #state(service: string): ServiceState {
    let state = this.#services.get(service);
    if (!state) {
      state = { snapshots: new Map(), intervals: [], scrapeErrors: new Map(), totals: { requests: 0, clientErrors: 0, serverErrors: 0 }, scrapes: 0, lastScrapeAt: undefined };
      this.#services.set(service, state);
    }
    return state;
  }
}

const EMPTY_FIGURES: RateFigures = {
  requestsPerSecond: 0,
  clientErrorsPerSecond: 0,
  serverErrorsPerSecond: 0,
  clientErrorRatio: null,
  serverErrorRatio: null,
  p50Ms: null,
  p95Ms: null,
  p99Ms: null,
};

function sum<K extends 'requests' | 'clientErrors' | 'serverErrors' | 'seconds'>(intervals: readonly Interval[], key: K): number {
  return intervals.reduce((total, i) => total + i[key], 0);
}

/** Rates, ratios and percentiles over some intervals taken together. */
function figures(intervals: readonly Interval[]): RateFigures {
  const seconds = sum(intervals, 'seconds');
  const requests = sum(intervals, 'requests');
  const clientErrors = sum(intervals, 'clientErrors');
  const serverErrors = sum(intervals, 'serverErrors');
  const buckets = intervals.reduce<Buckets>((total, i) => addBuckets(total, i.buckets), new Map());
  const quantileMs = (q: number) => {
    const seconds = histogramQuantile(q, buckets);
    return seconds === undefined ? null : round(seconds * 1000);
  };
  const perSecond = (n: number) => (seconds > 0 ? round(n / seconds) : 0);
  return {
    requestsPerSecond: perSecond(requests),
    clientErrorsPerSecond: perSecond(clientErrors),
    serverErrorsPerSecond: perSecond(serverErrors),
    clientErrorRatio: requests > 0 ? round(clientErrors / requests) : null,
    serverErrorRatio: requests > 0 ? round(serverErrors / requests) : null,
    p50Ms: quantileMs(0.5),
    p95Ms: quantileMs(0.95),
    p99Ms: quantileMs(0.99),
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

function toSnapshot(samples: readonly Sample[], at: number, replica: string): Snapshot {
  const series = new Map<string, { status: number; count: number; buckets: Map<number, number> }>();
  const entry = (labels: Readonly<Record<string, string>>) => {
    const key = `${labels.method ?? ''} ${labels.route ?? ''} ${labels.status_code ?? ''}`;
    let found = series.get(key);
    if (!found) {
      found = { status: Number(labels.status_code), count: 0, buckets: new Map() };
      series.set(key, found);
    }
    return found;
  };
  const breakers: BreakerReport[] = [];
  for (const sample of samples) {
    if (sample.name === `${HISTOGRAM}_count` || sample.name === `${HISTOGRAM}_bucket`) {
      if (isProbeRoute(sample.labels.route ?? '')) continue;
      if (sample.name === `${HISTOGRAM}_count`) entry(sample.labels).count = sample.value;
      else {
        const bound = bucketBound(sample.labels);
        if (bound !== undefined) entry(sample.labels).buckets.set(bound, sample.value);
      }
    } else if (sample.name === 'service_client_breaker_state') {
      const state = BREAKER_STATES[sample.value];
      if (state && sample.labels.upstream) breakers.push({ reportedBy: replica, upstream: sample.labels.upstream, replica: sample.labels.replica ?? '*', state });
    }
  }
  return { at, series, breakers };
}

/** What happened on one replica between two of its scrapes. */
function difference(previous: Snapshot, current: Snapshot): Interval {
  let [requests, clientErrors, serverErrors] = [0, 0, 0];
  let buckets = new Map<number, number>();
  for (const [key, now] of current.series) {
    const before = previous.series.get(key);
    // A label set seen for the first time counted from zero; one that went down was reset by a restart.
    const reset = !before || now.count < before.count;
    const count = reset ? now.count : now.count - before.count;
    requests += count;
    if (now.status >= 400 && now.status < 500) clientErrors += count;
    if (now.status >= 500) serverErrors += count;
    const delta = new Map<number, number>();
    for (const [bound, value] of now.buckets) delta.set(bound, reset ? value : Math.max(0, value - (before.buckets.get(bound) ?? 0)));
    buckets = addBuckets(buckets, delta);
  }
  return { t: current.at, seconds: (current.at - previous.at) / 1000, requests, clientErrors, serverErrors, buckets };
}
