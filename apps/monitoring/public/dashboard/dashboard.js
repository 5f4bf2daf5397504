// The monitoring dashboard: reads api/overview every REFRESH_MS and draws the service grid, small charts, active
// alerts and open breakers; looks traces up by request id. Plain browser JavaScript, no dependencies. Everything
// shown is written with textContent, never parsed as HTML.
'use strict';

const REFRESH_MS = 2000;
const SVG = 'http://www.w3.org/2000/svg';

const $ = (id) => document.getElementById(id);
const tiles = new Map();

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function formatNumber(value, digits = 1) {
  if (value === null || value === undefined) return '–';
  if (value >= 100) return String(Math.round(value));
  return value.toFixed(digits).replace(/\.0+$/, '');
}

function formatPercent(ratio) {
  return ratio === null || ratio === undefined ? '–' : `${formatNumber(ratio * 100, ratio < 0.01 && ratio > 0 ? 2 : 1)} %`;
}

function formatTime(iso) {
  return iso ? new Date(iso).toLocaleTimeString() : '–';
}

function formatDuration(seconds) {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

/** One small chart: a polyline over the window, scaled to its own maximum. */
function sparkline(kind) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 100 30');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('class', `spark-${kind}`);
  svg.setAttribute('role', 'img');
  const line = document.createElementNS(SVG, 'polyline');
  svg.append(line);
  return svg;
}

/** `from`..`now` spans the chart's width: the series window, or less while monitoring has not been up that long. */
function drawSparkline(svg, points, from, now) {
  const max = Math.max(...points.map((p) => p.v), 0);
  const scale = max > 0 ? 26 / max : 0;
  const span = Math.max(now - from, 1);
  const coordinates = points.map((p) => {
    const x = Math.max(0, Math.min(100, ((p.t - from) / span) * 100));
    return `${x.toFixed(2)},${(28 - p.v * scale).toFixed(2)}`;
  });
  svg.firstChild.setAttribute('points', coordinates.join(' '));
  svg.setAttribute('aria-label', points.length ? `max ${formatNumber(max, 2)}` : 'no data yet');
}

function createTile(service) {
  const figure = (kind, label) => {
    const value = element('strong', { text: '–' });
    const chart = sparkline(kind);
    return { node: element('div', { class: 'figure' }, [element('span', { text: label }), value, chart]), value, chart };
  };
  const badge = element('span', { class: 'badge', text: 'UNKNOWN' });
  const meta = element('div', { class: 'meta' });
  const detail = element('div', { class: 'detail' });
  const req = figure('req', 'req/s');
  const err = figure('err', 'errors');
  const p99 = figure('p99', 'p99');
  const node = element('article', { class: 'tile', 'data-service': service, 'data-status': 'unknown' }, [
    element('div', { class: 'tile-head' }, [element('h3', { text: service }), badge]),
    meta,
    detail,
    element('div', { class: 'figures' }, [req.node, err.node, p99.node]),
  ]);
  return { node, badge, meta, detail, req, err, p99 };
}

function renderServices(health, metrics, now) {
  const grid = $('services');
  const metricsByService = new Map(metrics.services.map((m) => [m.service, m]));
  const from = Math.max(now - metrics.seriesWindowSeconds * 1000, Date.parse(health.monitoringStartedAt));
  for (const h of health.services) {
    let tile = tiles.get(h.service);
    if (!tile) {
      tile = createTile(h.service);
      tiles.set(h.service, tile);
      grid.append(tile.node);
    }
    tile.node.dataset.status = h.status;
    tile.badge.textContent = h.status.toUpperCase();
    const upReplicas = h.replicas.filter((r) => r.status !== 'down').length;
    const availability = h.availability === null ? '–' : `${formatNumber(h.availability * 100, 2)} % available`;
    tile.meta.textContent = `${upReplicas}/${h.replicas.length} replica${h.replicas.length === 1 ? '' : 's'} · ${availability} · since ${formatTime(h.since)}`;
    const problem = h.replicas.find((r) => r.status !== 'up' && r.detail);
    tile.detail.textContent = problem ? problem.detail : '';
    tile.detail.title = problem ? `${problem.url}: ${problem.detail}` : '';

    const m = metricsByService.get(h.service);
    const current = m ? m.current : null;
    tile.req.value.textContent = current ? formatNumber(current.requestsPerSecond, 2) : '–';
    const errorRatio = current && current.clientErrorRatio !== null ? current.clientErrorRatio + current.serverErrorRatio : null;
    tile.err.value.textContent = formatPercent(errorRatio);
    tile.err.value.title = current ? `4xx ${formatPercent(current.clientErrorRatio)} · 5xx ${formatPercent(current.serverErrorRatio)}` : '';
    tile.p99.value.textContent = current && current.p99Ms !== null ? `${formatNumber(current.p99Ms)} ms` : '–';
    const series = m ? m.series : [];
    drawSparkline(tile.req.chart, series.map((p) => ({ t: p.t, v: p.requestsPerSecond })), from, now);
    drawSparkline(tile.err.chart, series.map((p) => ({ t: p.t, v: p.clientErrorsPerSecond + p.serverErrorsPerSecond })), from, now);
    drawSparkline(tile.p99.chart, series.filter((p) => p.p99Ms !== null).map((p) => ({ t: p.t, v: p.p99Ms })), from, now);
  }
  $('window').textContent = formatDuration((now - from) / 1000);

  const summary = $('summary');
  summary.replaceChildren(
    ...['up', 'degraded', 'down'].map((status) => {
      const count = health.services.filter((s) => s.status === status).length;
      return element('span', { class: 'pill', 'data-status': status, text: `${count} ${status}` });
    }),
  );
}

function renderList(list, items, emptyText, counter) {
  counter.textContent = String(items.length);
  counter.dataset.nonzero = String(items.length > 0);
  list.replaceChildren(...(items.length ? items : [element('li', { class: 'empty', text: emptyText })]));
}

function renderAlerts(alerts) {
  renderList(
    $('alerts'),
    alerts.active.map((a) => element('li', {}, [element('strong', { text: a.message }), element('small', { text: `${a.ruleName} · firing since ${formatTime(a.firedAt)}` })])),
    'No alert is firing.',
    $('alert-count'),
  );
  const resolved = alerts.resolved.length;
  $('rules-note').textContent = `${alerts.rules.length} rule${alerts.rules.length === 1 ? '' : 's'} · ${resolved} resolved recently · webhook ${alerts.webhook}`;
}

function renderBreakers(metrics) {
  const open = metrics.services.flatMap((m) => m.breakers.filter((b) => b.state !== 'closed').map((b) => ({ ...b, service: m.service })));
  renderList(
    $('breakers'),
    open.map((b) =>
      element('li', { class: b.state }, [
        element('strong', { text: `${b.service} → ${b.upstream}: ${b.state}` }),
        element('small', { text: b.replica === '*' ? 'the upstream’s breaker' : `replica ${b.replica}` }),
      ]),
    ),
    'Every breaker is closed.',
    $('breaker-count'),
  );
}

async function refresh() {
  try {
    const response = await fetch('api/overview', { headers: { accept: 'application/json' }, cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const overview = await response.json();
    const now = Date.parse(overview.generatedAt);
    renderServices(overview.health, overview.metrics, now);
    renderAlerts(overview.alerts);
    renderBreakers(overview.metrics);
    $('connection').dataset.state = 'ok';
    $('updated').textContent = `updated ${formatTime(overview.generatedAt)} · every ${overview.health.pollIntervalMs / 1000} s`;
  } catch (error) {
    $('connection').dataset.state = 'error';
    $('updated').textContent = `monitoring unreachable (${error.message}); retrying`;
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

async function lookupTrace(requestId) {
  const result = $('trace-result');
  result.replaceChildren(element('p', { class: 'message', text: 'Asking every service…' }));
  try {
    const response = await fetch(`api/traces/${encodeURIComponent(requestId)}`, { headers: { accept: 'application/json' } });
    const body = await response.json();
    if (!response.ok) {
      result.replaceChildren(element('p', { class: 'message error', text: body.error ? body.error.message : `HTTP ${response.status}` }));
      return;
    }
    result.replaceChildren(renderTrace(body));
  } catch (error) {
    result.replaceChildren(element('p', { class: 'message error', text: `Lookup failed: ${error.message}` }));
  }
}

function renderTrace(trace) {
  const total = Math.max(trace.durationMs, 0.001);
  const rows = trace.hops.map((hop) => {
    const bar = element('div', { class: hop.status >= 500 ? 'bar error' : 'bar' });
    bar.style.marginLeft = `${(hop.offsetMs / total) * 100}%`;
    bar.style.width = `${Math.max((hop.durationMs / total) * 100, 0.5)}%`;
    const service = element('td', { text: `${'↳ '.repeat(hop.depth ? 1 : 0)}${hop.service}` });
    service.style.paddingLeft = `${8 + hop.depth * 18}px`;
    return element('tr', {}, [
      element('td', { text: `+${formatNumber(hop.offsetMs, 1)} ms` }),
      service,
      element('td', { class: 'route', text: `${hop.method} ${hop.route}` }),
      element('td', { text: String(hop.status) }),
      element('td', { text: `${formatNumber(hop.durationMs, 1)} ms` }),
      element('td', { class: 'waterfall' }, [bar]),
    ]);
  });
  const head = element('tr', {}, ['start', 'service', 'route', 'status', 'duration', ''].map((text) => element('th', { text })));
  const caption = `${trace.hops.length} hop${trace.hops.length === 1 ? '' : 's'} across ${trace.services.join(', ')} · ${formatNumber(trace.durationMs, 1)} ms · started ${formatTime(trace.startedAt)}`;
  const parts = [element('p', { class: 'message', text: caption }), element('table', { id: 'trace-table' }, [element('thead', {}, [head]), element('tbody', {}, rows)])];
  if (trace.unreachable.length) parts.push(element('p', { class: 'message error', text: `Not asked (unreachable): ${trace.unreachable.map((u) => `${u.service} ${u.replica}`).join(', ')}` }));
  return element('div', {}, parts);
}

document.addEventListener('DOMContentLoaded', () => {
  $('trace-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const requestId = $('trace-id').value.trim();
    if (requestId) {
      history.replaceState(null, '', `#trace=${encodeURIComponent(requestId)}`);
      void lookupTrace(requestId);
    }
  });
  const linked = /^#trace=(.+)$/.exec(location.hash);
  if (linked) {
    $('trace-id').value = decodeURIComponent(linked[1]);
    void lookupTrace($('trace-id').value);
  }
  void refresh();
});
