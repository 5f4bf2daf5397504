/**
 * The gateway's nginx template, written from the service catalog: one upstream per routed service with the catalog's
 * balancing strategy, one location per gateway route with its rate limit and path rewrite. The same template is
 * rendered for every environment (local, compose, kubernetes); only the variables below differ.
 */
import { COMMON_ERROR_CODES, RATE_LIMIT_ZONES, SERVICES, type GatewayRoute, type ServiceDefinition } from '@ai-ninja/contracts';

/**
 * Peer settings of every upstream server: three failed attempts take a replica out for two seconds, after which one
 * request tries it again (a refused connection costs nothing: nginx passes the request to the next replica). Short,
 * because open-source nginx has no active health checks: a replica that restarted is used again only once this
 * passes, so with 30 s a rolling restart that stopped the second replica within 30 s of the first one's return left
 * no live peer (502s; tests/integration's rolling restart showed it).
 */
export const UPSTREAM_SERVER_PARAMETERS = 'max_fails=3 fail_timeout=2s';
/** Idle connections each worker keeps open to each upstream. */
export const UPSTREAM_KEEPALIVE = 16;
/** The services' default BODY_LIMIT (1mb): a bigger body is refused at the edge. */
export const CLIENT_MAX_BODY_SIZE = '1m';

/** The template's own variables; each environment gives them a value. */
export const GATEWAY_VARIABLES = ['GATEWAY_PORT', 'GATEWAY_WORKER_PROCESSES', 'GATEWAY_ACCESS_LOG'] as const;

/** Variables of the TLS snippet (`tls.conf.template`), rendered only where TLS is terminated. */
export const TLS_VARIABLES = ['GATEWAY_TLS_PORT', 'GATEWAY_TLS_CERTIFICATE', 'GATEWAY_TLS_CERTIFICATE_KEY'] as const;

/** Services the gateway routes to: those with at least one public route. */
export const ROUTED_SERVICES: readonly ServiceDefinition[] = SERVICES.filter((service) => service.gatewayRoutes.length > 0);

/** The variable holding a service's upstream servers, e.g. `SMART_WHITELIST_UPSTREAM`. */
export function upstreamVariable(service: Pick<ServiceDefinition, 'name'>): string {
  return `${service.name.toUpperCase().replaceAll('-', '_')}_UPSTREAM`;
}

/** Every variable of the main template, in the order a renderer is given them. */
export function templateVariables(): string[] {
  return [...GATEWAY_VARIABLES, ...ROUTED_SERVICES.map(upstreamVariable)];
}

/** A gateway-made error, answered as the same JSON envelope the services use. */
interface GatewayError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

const GATEWAY_ERRORS: readonly GatewayError[] = [
  { status: 400, code: COMMON_ERROR_CODES.badRequest, message: 'The gateway could not read this request' },
  { status: 404, code: COMMON_ERROR_CODES.routeNotFound, message: 'No gateway route for this path' },
  { status: 405, code: 'METHOD_NOT_ALLOWED', message: 'This method is not allowed here' },
  { status: 408, code: COMMON_ERROR_CODES.requestTimeout, message: 'The request was not received in time' },
  { status: 413, code: COMMON_ERROR_CODES.payloadTooLarge, message: `The request body is larger than ${CLIENT_MAX_BODY_SIZE}b` },
  { status: 414, code: 'URI_TOO_LONG', message: 'The request URI is too long' },
  { status: 429, code: COMMON_ERROR_CODES.rateLimited, message: 'Too many requests from this address: slow down and retry later' },
  { status: 494, code: COMMON_ERROR_CODES.headersTooLarge, message: 'The request headers are too large' },
  { status: 500, code: COMMON_ERROR_CODES.internal, message: 'The gateway failed to handle this request' },
  { status: 502, code: 'UPSTREAM_UNAVAILABLE', message: 'No replica of the service could be reached' },
  { status: 503, code: 'UPSTREAM_UNAVAILABLE', message: 'The service is unavailable' },
  { status: 504, code: 'UPSTREAM_TIMEOUT', message: 'The service did not answer in time' },
];

const indent = (lines: readonly string[], depth: number) => lines.map((line) => (line ? `${'    '.repeat(depth)}${line}` : line));

function upstreamBlock(service: ServiceDefinition): string[] {
  const strategy = { least_conn: ['least_conn;'], ip_hash: ['ip_hash;'], round_robin: ['# round robin: nginx’s default'] }[service.upstream];
  return [
    `upstream ${service.name} {`,
    ...indent(
      [
        `zone ${service.name} 64k;`,
        ...strategy,
        `server \${${upstreamVariable(service)}} ${UPSTREAM_SERVER_PARAMETERS};`,
        `keepalive ${UPSTREAM_KEEPALIVE};`,
        'keepalive_timeout 60s;',
      ],
      1,
    ),
    '}',
  ];
}

function locationBlock(service: ServiceDefinition, route: GatewayRoute): string[] {
  const { zone, burst, nodelay } = route.rateLimit;
  const connection = route.websocket
    ? ['proxy_set_header Upgrade $http_upgrade;', 'proxy_set_header Connection $connection_upgrade;']
    : ['proxy_set_header Connection "";'];
  const timeouts = route.websocket ? ['# A live call lasts minutes: an idle WebSocket is not cut after a minute.', 'proxy_read_timeout 1h;', 'proxy_send_timeout 1h;'] : [];
  const streamed = route.streamedBodyLimit
    ? ['# Recordings: large bodies, passed on as they arrive (the service enforces its own limit).', `client_max_body_size ${route.streamedBodyLimit};`, 'proxy_request_buffering off;']
    : [];
  return [
    `location ${route.path} {`,
    ...indent(
      [
        `limit_req zone=${zone} burst=${burst}${nodelay ? ' nodelay' : ''};`,
        `proxy_pass http://${service.name}${route.upstreamPath};`,
        ...connection,
        'proxy_set_header Host $host;',
        'proxy_set_header X-Request-ID $gateway_request_id;',
        'proxy_set_header X-Real-IP $remote_addr;',
        'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
        'proxy_set_header X-Forwarded-Proto $scheme;',
        ...timeouts,
        ...streamed,
      ],
      1,
    ),
    '}',
  ];
}

/**
 * Where a gateway-made error is rendered: an internal URI location, not a named one. A request whose request line
 * nginx could not read (a 400 for a malformed line, a 414 for a long URI) has no URI, and nginx refuses to redirect it
 * to a named location ("empty URI in redirect") and answers its own HTML 500 instead.
 */
const errorUri = (error: GatewayError) => `/.gateway-error/${error.status}`;

function errorLocation(error: GatewayError): string[] {
  // 494 is nginx's own code for oversized headers; clients see 400.
  const status = error.status === 494 ? 400 : error.status;
  const body = `{"error":{"code":"${error.code}","message":"${error.message}","requestId":"$gateway_request_id"}}`;
  return [`location = ${errorUri(error)} {`, '    internal;', '    default_type application/json;', `    return ${status} '${body}';`, '}'];
}

/** The text of `nginx.conf.template`. */
export function gatewayTemplate(services: readonly ServiceDefinition[] = ROUTED_SERVICES): string {
  const zones = [...new Set(services.flatMap((s) => s.gatewayRoutes.map((r) => r.rateLimit.zone)))];
  // Named without the dollar sign: a comment would be substituted too.
  const variables = templateVariables().join(' ');
  const http = [
    '# Unprivileged: every path below is relative to the prefix (nginx -p PREFIX), the only place nginx writes.',
    'client_body_temp_path client_body_temp;',
    'proxy_temp_path proxy_temp;',
    'fastcgi_temp_path fastcgi_temp;',
    'uwsgi_temp_path uwsgi_temp;',
    'scgi_temp_path scgi_temp;',
    '',
    '# Environment-specific http settings, e.g. the resolver in kubernetes; none locally.',
    'include conf.d/*.conf;',
    '',
    'server_tokens off;',
    'default_type application/octet-stream;',
    'log_format gateway escape=json \'{"time":"$time_iso8601","requestId":"$gateway_request_id","client":"$remote_addr",\'',
    '    \'"method":"$request_method","uri":"$request_uri","status":$status,"upstream":"$upstream_addr",\'',
    '    \'"upstreamStatus":"$upstream_status","requestTime":$request_time}\';',
    '# /dev/stdout in containers; a file in the prefix locally (nginx cannot open a socket as /dev/stdout).',
    'access_log ${GATEWAY_ACCESS_LOG} gateway;',
    '',
    '# Clients idle out before the services do (their keep-alive timeout is 65 s).',
    'keepalive_timeout 60s;',
    'client_header_timeout 15s;',
    'client_body_timeout 15s;',
    `client_max_body_size ${CLIENT_MAX_BODY_SIZE};`,
    '',
    '# X-Request-ID: kept when the client sent a safe one (the services’ rule), made here otherwise.',
    'map $http_x_request_id $gateway_request_id {',
    '    "~^[A-Za-z0-9._:@-]{1,128}$" $http_x_request_id;',
    '    default $request_id;',
    '}',
    '',
    '# Upgrade when the client asks for it; otherwise an empty Connection header, so upstream keep-alive works.',
    'map $http_upgrade $connection_upgrade {',
    '    default upgrade;',
    "    '' '';",
    '}',
    '',
    '# HSTS only on responses sent over TLS.',
    'map $https $strict_transport_security {',
    '    on "max-age=31536000; includeSubDomains";',
    '    default "";',
    '}',
    '',
    '# Rate limits per client address. Behind a cloud load balancer, set real_ip_header and set_real_ip_from first.',
    ...zones.map((zone) => `limit_req_zone $binary_remote_addr zone=${zone}:10m rate=${RATE_LIMIT_ZONES[zone].ratePerSecond}r/s;`),
    'limit_req_status 429;',
    'limit_req_log_level warn;',
    '',
    '# One upstream per routed service, balanced as the catalog says. `zone` shares the peers’ state (connection',
    '# counts, failures) between workers, and lets nginx ≥ 1.27.3 re-resolve servers marked `resolve`.',
    ...services.flatMap((service) => [...upstreamBlock(service), '']),
    'server {',
    ...indent(
      [
        'listen ${GATEWAY_PORT};',
        '# TLS termination where the environment provides a certificate (compose, kubernetes): tls.conf.template.',
        'include tls.d/*.conf;',
        '',
        '# Every response, including the gateway’s own errors, carries these.',
        'proxy_hide_header X-Request-ID;',
        'add_header X-Request-ID $gateway_request_id always;',
        'add_header X-Content-Type-Options nosniff always;',
        'add_header X-Frame-Options DENY always;',
        'add_header Referrer-Policy no-referrer always;',
        'add_header Content-Security-Policy "frame-ancestors \'none\'" always;',
        'add_header Strict-Transport-Security $strict_transport_security always;',
        '',
        'proxy_http_version 1.1;',
        'proxy_connect_timeout 3s;',
        'proxy_send_timeout 60s;',
        'proxy_read_timeout 60s;',
        '# Only a failed connection moves a request to the next replica, once; a response (even a 5xx) never does, and',
        '# nginx never resends a non-idempotent request. So gateway retries never stack on the callers’ own retries.',
        'proxy_next_upstream error timeout;',
        'proxy_next_upstream_tries 2;',
        '',
        '# Errors the gateway makes are the services’ JSON envelope, never an HTML page.',
        ...GATEWAY_ERRORS.map((error) => `error_page ${error.status} = ${errorUri(error)};`),
        '',
        'location / {',
        '    return 404;',
        '}',
        '',
        '# The services’ internal routes are never reachable from outside (no route leads there; this says so).',
        'location = /metrics {',
        '    return 404;',
        '}',
        'location ^~ /health {',
        '    return 404;',
        '}',
        'location ^~ /internal/ {',
        '    return 404;',
        '}',
        '',
        '# The gateway’s own health, for its probes and the compose healthcheck.',
        'location = /gateway/health {',
        '    access_log off;',
        '    default_type application/health+json;',
        '    return 200 \'{"status":"pass","service":"gateway"}\';',
        '}',
        '',
        ...services.flatMap((service) => service.gatewayRoutes.flatMap((route) => [`# ${service.name}`, ...locationBlock(service, route), ''])),
        ...GATEWAY_ERRORS.flatMap((error) => errorLocation(error)),
      ],
      1,
    ),
    '}',
  ];
  const lines = [
    '# The AI-Ninja gateway. GENERATED from the service catalog (libs/contracts/src/catalog.ts) by',
    '# `npm run generate -w @ai-ninja/deploy`: change the catalog or deploy/nginx/nginx-template.ts, never this file.',
    '#',
    '# One template for every environment. Rendering substitutes ONLY these variables, as envsubst does when given',
    '# the list (without it envsubst would also erase nginx’s own $host, $request_id…):',
    `#   ${variables}`,
    '# An *_UPSTREAM value is one server (host:port, optionally followed by server parameters such as `resolve`);',
    '# deploy/nginx/nginx-render.ts also accepts several, comma-separated, and repeats the line for each.',
    '',
    'worker_processes ${GATEWAY_WORKER_PROCESSES};',
    'pid nginx.pid;',
    'error_log stderr warn;',
    '# A graceful stop (SIGQUIT) waits this long at most for open requests and WebSockets.',
    'worker_shutdown_timeout 30s;',
    '',
    'events {',
    '    worker_connections 1024;',
    '}',
    '',
    'http {',
    ...indent(http, 1),
    '}',
  ];
  return `${lines.join('\n')}\n`;
}
