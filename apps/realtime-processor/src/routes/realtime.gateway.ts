import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { WebSocket, WebSocketServer } from 'ws';
import { COMMON_ERROR_CODES, HEADERS } from '@ai-ninja/contracts';
import { AppError, type CallTokenClaims, type Service } from '@ai-ninja/service-kit';
import type { Config } from '../config.js';
import { CallSession, type CallConnection, type CallSummary } from '../domain/call-session.js';
import { BEARER_PROTOCOL_PREFIX, REALTIME_ERROR_CODES, REALTIME_PATH, SUBPROTOCOL } from '../domain/protocol.js';
import type { RealtimeMetrics } from '../domain/realtime.metrics.js';
import type { TurnResponder } from '../domain/turn-responder.js';
import type { CallJournal } from '../store/call-journal.js';
import type { RecordingSpool } from '../store/recording-spool.js';

/** What the gateway is built from. */
export interface RealtimeGatewayDeps {
  readonly service: Service;
  readonly config: Config;
  readonly responder: TurnResponder;
  readonly recordings: RecordingSpool;
  readonly journal: CallJournal;
  readonly metrics: RealtimeMetrics;
  /** Keeps what an ended call leaves (its report, its recording). */
  readonly onCallEnd: (summary: CallSummary) => Promise<void>;
}

interface LiveCall {
  readonly session: CallSession;
  readonly socket: WebSocket;
}

// Calls ended here are refused a new connection for this long (a call token lives five minutes).
const ENDED_MEMORY_MS = 60 * 60 * 1000;
const ENDED_MEMORY_SIZE = 50_000;
// After `call_end` at shutdown, how long a client has to answer the close handshake before its socket is cut.
const CLOSE_HANDSHAKE_MS = 1000;

/**
 * The WebSocket endpoint of live calls, on the service's own HTTP server: authenticates each upgrade with the call
 * token, keeps one connection per call, pings every connection and cuts the silent ones, and at shutdown ends the
 * calls still open.
 */
export class RealtimeGateway {
  readonly #deps: RealtimeGatewayDeps;
  readonly #wss: WebSocketServer;
  /** Calls with a connection, or one being opened (`connecting`). */
  readonly #calls = new Map<string, LiveCall | 'connecting'>();
  readonly #ended = new Map<string, number>();
  readonly #sockets = new Set<WebSocket>();

  constructor(deps: RealtimeGatewayDeps) {
    this.#deps = deps;
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: deps.config.REALTIME_MAX_FRAME_BYTES,
      perMessageDeflate: false,
      clientTracking: false,
      // A client passing its token as `bearer.<token>` should also offer our protocol, so the token is not echoed.
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : ([...protocols].find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX)) ?? false)),
    });
    deps.service.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.#upgrade(req, socket, head).catch((error: unknown) => {
        deps.service.logger.error({ err: error }, 'WebSocket upgrade failed');
        refuse(socket, 500, COMMON_ERROR_CODES.internal, 'The connection could not be opened', requestIdOf(req));
      });
    });
  }

  /** Calls with an open connection. */
  get liveCalls(): number {
    return [...this.#calls.values()].filter((call) => call !== 'connecting').length;
  }

  /**
   * At shutdown (new upgrades are refused from its start): lets open calls end on their own for `graceMs`, then ends
   * the rest (`call_end` with `shutdown`, close 1001) and waits until their reports and recordings are kept.
   */
  async drain(graceMs: number): Promise<void> {
    const live = () => [...this.#calls.values()].filter((call): call is LiveCall => call !== 'connecting');
    const { logger } = this.#deps.service;
    if (live().length > 0) {
      logger.info({ calls: live().length, graceMs }, 'shutdown: waiting for open calls to end');
      await Promise.race([Promise.all(live().map((call) => call.session.done)), delay(graceMs)]);
    }
    const remaining = live();
    if (remaining.length > 0) logger.warn({ calls: remaining.map((call) => call.session.callId) }, 'shutdown: ending the calls still open (close 1001)');
    await Promise.all(remaining.map((call) => call.session.shutdown()));
    // Every call has ended; sockets whose client did not finish the close handshake are cut.
    const open = [...this.#sockets];
    await Promise.race([Promise.all(open.map((socket) => new Promise((resolve) => socket.once('close', resolve)))), delay(CLOSE_HANDSHAKE_MS)]);
    for (const socket of this.#sockets) socket.terminate();
  }

  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => undefined); // a client vanishing mid-handshake is not our error
    const requestId = requestIdOf(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const { service, metrics } = this.#deps;
    const refused = (status: number, code: string, message: string, headers: Record<string, string> = {}) => {
      metrics.upgradesRefused.labels(String(status)).inc();
      service.logger.info({ requestId, path: url.pathname, status, code }, 'WebSocket upgrade refused');
      refuse(socket, status, code, message, requestId, headers);
    };
    if (url.pathname !== REALTIME_PATH) return refused(404, COMMON_ERROR_CODES.routeNotFound, `No WebSocket endpoint at ${url.pathname}: calls connect to ${REALTIME_PATH}`);
    if (service.health.draining) return refused(503, COMMON_ERROR_CODES.shuttingDown, 'This instance is shutting down: connect again', { 'Retry-After': '1' });

    const token = tokenOf(req, url);
    if (!token) {
      return refused(401, REALTIME_ERROR_CODES.unauthenticated, 'A call token is required: ?token=<token>, Authorization: Bearer <token>, or the subprotocol bearer.<token>', {
        'WWW-Authenticate': 'Bearer',
      });
    }
    let claims: CallTokenClaims;
    try {
      claims = await service.auth.verifyCallToken(token);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return refused(error.status, error.code, error.message, { 'WWW-Authenticate': 'Bearer' });
    }
    if (socket.destroyed) return;
    if (service.health.draining) return refused(503, COMMON_ERROR_CODES.shuttingDown, 'This instance is shutting down: connect again', { 'Retry-After': '1' });
    this.#forgetOldEndings();
    if (this.#calls.has(claims.callId)) return refused(409, REALTIME_ERROR_CODES.callAlreadyConnected, `Call ${claims.callId} already has a live connection`);
    if (this.#ended.has(claims.callId)) return refused(409, REALTIME_ERROR_CODES.callAlreadyEnded, `Call ${claims.callId} has ended`);

    this.#calls.set(claims.callId, 'connecting');
    // A handshake ws refuses (a bad Sec-WebSocket-Key…) never calls back: the reservation goes with the socket.
    socket.once('close', () => {
      if (this.#calls.get(claims.callId) === 'connecting') this.#calls.delete(claims.callId);
    });
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#connected(ws, claims, requestId));
  }

  #connected(ws: WebSocket, claims: CallTokenClaims, requestId: string): void {
    const { config, service, metrics } = this.#deps;
    const logger = service.logger.child({ callId: claims.callId, requestId });
    const connection: CallConnection = {
      send: (message) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
      },
      close: (code, reason) => ws.close(code, reason),
    };
    const session = new CallSession({
      callId: claims.callId,
      userId: claims.userId,
      personality: claims.personality,
      userName: claims.userName,
      connection,
      limits: {
        maxErrors: config.REALTIME_MAX_ERRORS,
        ratePerSecond: config.REALTIME_RATE_PER_SECOND,
        rateBurst: config.REALTIME_RATE_BURST,
        maxAudioBytes: config.REALTIME_MAX_AUDIO_BYTES_PER_CALL,
        maxPendingTurns: config.REALTIME_MAX_PENDING_TURNS,
        idleTimeoutMs: config.REALTIME_IDLE_TIMEOUT_MS,
      },
      responder: this.#deps.responder,
      recordings: this.#deps.recordings,
      journal: this.#deps.journal.open(claims.callId, claims.userId, new Date().toISOString()),
      metrics,
      logger,
      onEnd: this.#deps.onCallEnd,
    });
    this.#calls.set(claims.callId, { session, socket: ws });
    this.#sockets.add(ws);
    metrics.connections.inc();
    logger.info({ userId: claims.userId, protocol: ws.protocol || undefined }, 'call connected');

    // Heartbeats: a ping every interval; a connection from which nothing came for the timeout is cut.
    let lastSeen = Date.now();
    const heartbeat = setInterval(() => {
      if (Date.now() - lastSeen > config.REALTIME_HEARTBEAT_TIMEOUT_MS) {
        logger.warn({ silentMs: Date.now() - lastSeen }, 'no pong from the client: cutting the connection');
        ws.terminate();
        return;
      }
      ws.ping();
    }, config.REALTIME_HEARTBEAT_INTERVAL_MS);
    heartbeat.unref();

    ws.on('pong', () => (lastSeen = Date.now()));
    ws.on('message', (data, isBinary) => {
      lastSeen = Date.now();
      session.receive(data as Buffer, isBinary);
    });
    // ws reports protocol violations (a frame over maxPayload: 1009; invalid UTF-8: 1007) here, then closes.
    ws.on('error', (error) => logger.warn({ err: error }, 'WebSocket protocol error: the connection closes'));
    ws.on('close', (code, reason) => {
      clearInterval(heartbeat);
      this.#sockets.delete(ws);
      metrics.connections.dec();
      this.#calls.delete(claims.callId);
      this.#ended.set(claims.callId, Date.now());
      logger.info({ code, reason: reason.toString() || undefined }, 'call disconnected');
      void session.connectionLost();
    });
  }

  #forgetOldEndings(): void {
    const now = Date.now();
    for (const [callId, at] of this.#ended) {
      if (now - at < ENDED_MEMORY_MS && this.#ended.size <= ENDED_MEMORY_SIZE) break;
      this.#ended.delete(callId);
    }
  }
}

/** The call token: `?token=`, `Authorization: Bearer`, or the subprotocol `bearer.<token>` (browsers can set no header). */
function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const query = url.searchParams.get('token');
  if (query) return query;
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (bearer) return bearer[1];
  const protocol = (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((value) => value.trim())
    .find((value) => value.startsWith(BEARER_PROTOCOL_PREFIX));
  return protocol ? protocol.slice(BEARER_PROTOCOL_PREFIX.length) || undefined : undefined;
}

function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[HEADERS.requestId];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

/** Answers an upgrade with an HTTP error in the error envelope, and closes the socket. */
function refuse(socket: Duplex, status: number, code: string, message: string, requestId: string, headers: Record<string, string> = {}): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: { code, message, requestId } });
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-ID: ${requestId}`,
    'Connection: close',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
