/**
 * The world around realtime-processor in its API tests: conversation-engine, phone-gateway and storage as small real
 * HTTP services made with the kit (routes that implement the contracts), each able to go down, come back on the same
 * port, or answer slowly; and WebSocket clients that read the protocol.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import WebSocket from 'ws';
import {
  CallStatusSchema,
  ConversationEndedRequestSchema,
  ManageTurnRequestSchema,
  ManageTurnResponseSchema,
  z,
  type ConversationEndedRequest,
  type ManageTurnResponse,
} from '@ai-ninja/contracts';
import { AppError, createService, serviceConfigSchema, signCallToken, type RunningService, type Service } from '@ai-ninja/service-kit';
import { createTestAuth, testConfig, type TestAuth } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { ServerMessageSchema, type ServerMessage } from '../src/domain/protocol.js';

/** A free TCP port on loopback (so a fake upstream can stop and come back where discovery points). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A fake upstream on a fixed port that can be stopped and started again. */
export class Upstream {
  #running: RunningService | undefined;
  constructor(
    readonly port: number,
    private readonly build: () => Service,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get up(): boolean {
    return this.#running !== undefined;
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = await this.build().listen({ port: this.port, host: '127.0.0.1' });
  }

  async stop(): Promise<void> {
    const running = this.#running;
    this.#running = undefined;
    if (running) {
      running.server.closeAllConnections();
      await running.close('test');
    }
  }
}

/** How the fake conversation-engine behaves; tests change it between turns. */
export interface EngineBehaviour {
  /** Milliseconds before answering. */
  delayMs: number;
  /** Utterances containing this make the engine end the call. */
  hangupWord: string;
}

/** What the fake conversation-engine saw. */
export interface EngineRecord {
  readonly requests: Array<{ callId: string; userId: string; utterance: string }>;
  /** Turns still being answered, per call, and the most there ever were at once. */
  readonly inFlight: Map<string, number>;
  maxConcurrentPerCall: number;
  /** Answers completed (a slow answer counts when it is finally sent). */
  finished: number;
}

function fakeEngine(auth: TestAuth, behaviour: EngineBehaviour, record: EngineRecord): Service {
  const service = createService({ name: 'conversation-engine', version: 'fake', config: testConfig(serviceConfigSchema('conversation-engine'), auth.env) });
  const turns = new Map<string, number>();
  service.route({
    method: 'post',
    path: '/api/v1/conversation/manage',
    summary: 'Fake: echoes the utterance',
    auth: 'service',
    request: { body: ManageTurnRequestSchema },
    responses: { 200: { description: 'Reply', schema: ManageTurnResponseSchema } },
    handler: async ({ body }) => {
      record.requests.push({ callId: body.callId, userId: body.userId, utterance: body.utterance });
      const now = (record.inFlight.get(body.callId) ?? 0) + 1;
      record.inFlight.set(body.callId, now);
      record.maxConcurrentPerCall = Math.max(record.maxConcurrentPerCall, now);
      try {
        if (behaviour.delayMs > 0) await delay(behaviour.delayMs);
        const turn = (turns.get(body.callId) ?? 0) + 1;
        turns.set(body.callId, turn);
        const hangup = body.utterance.toLowerCase().includes(behaviour.hangupWord);
        const answer: ManageTurnResponse = {
          callId: body.callId,
          turn,
          intent: hangup ? 'goodbye' : 'sales',
          confidence: 0.9,
          emotion: { emotion: 'neutral', intensity: 0.1 },
          stage: hangup ? 'hang_up' : 'handling',
          reply: { text: `engine reply to: ${body.utterance}`, id: `r${turn}` },
          shouldTerminate: hangup,
          reasons: [],
          model: 'embedded',
          processingMs: 1,
        };
        return { status: 200, body: answer };
      } finally {
        record.inFlight.set(body.callId, (record.inFlight.get(body.callId) ?? 1) - 1);
        record.finished += 1;
      }
    },
  });
  return service;
}

/** A report as the fake phone-gateway received it. */
export interface ReceivedReport {
  readonly callId: string;
  readonly idempotencyKey: string | undefined;
  readonly body: ConversationEndedRequest;
}

function fakePhoneGateway(auth: TestAuth, reports: ReceivedReport[], refusals: Map<string, { status: number; code: string }>): Service {
  const service = createService({ name: 'phone-gateway', version: 'fake', config: testConfig(serviceConfigSchema('phone-gateway'), auth.env) });
  service.route({
    method: 'post',
    path: '/api/v1/calls/{callId}/conversation-ended',
    summary: 'Fake: records the report',
    auth: 'service',
    request: { params: z.object({ callId: z.string() }), body: ConversationEndedRequestSchema },
    responses: { 200: { description: 'The call', schema: CallStatusSchema } },
    handler: ({ params, body }, req) => {
      const refusal = refusals.get(params.callId);
      if (refusal) throw new AppError(refusal.status, refusal.code, 'refused by the test');
      reports.push({ callId: params.callId, idempotencyKey: req.headers['idempotency-key'] as string | undefined, body });
      const now = new Date().toISOString();
      return {
        status: 200,
        body: { callId: params.callId, from: '+14155550100', to: '+14155550199', state: 'completed', decision: 'ai_answer', reasons: [], createdAt: now, updatedAt: now },
      };
    },
  });
  return service;
}

/** A recording as the fake storage received it. */
export interface StoredRecording {
  readonly callId: string;
  readonly userId: string;
  readonly contentType: string;
  readonly bytes: Buffer;
}

const UPLOAD_PATH = '/api/v1/storage/audio/upload';

function fakeStorage(auth: TestAuth, stored: StoredRecording[], refuse: { status?: number }): Service {
  const service = createService({ name: 'storage', version: 'fake', config: testConfig(serviceConfigSchema('storage'), auth.env), rawBodyPaths: [UPLOAD_PATH] });
  service.route({
    method: 'post',
    path: UPLOAD_PATH,
    summary: 'Fake: keeps the recording in memory',
    auth: 'service',
    request: { query: z.object({ callId: z.string(), userId: z.string(), durationMs: z.coerce.number().optional() }) },
    responses: { 201: { description: 'Stored', schema: z.object({ id: z.string() }) } },
    handler: async ({ query }, req) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      if (refuse.status) throw new AppError(refuse.status, 'UNSUPPORTED_MEDIA_TYPE', 'refused by the test');
      stored.push({ callId: query.callId, userId: query.userId, contentType: req.headers['content-type'] ?? '', bytes: Buffer.concat(chunks) });
      return { status: 201, body: { id: `rec-${stored.length}` } };
    },
  });
  return service;
}

/** realtime-processor with its three upstreams, on loopback, with a private DATA_DIR. */
export class World {
  readonly engineBehaviour: EngineBehaviour = { delayMs: 0, hangupWord: 'goodbye' };
  readonly engineRecord: EngineRecord = { requests: [], inFlight: new Map(), maxConcurrentPerCall: 0, finished: 0 };
  readonly reports: ReceivedReport[] = [];
  /** Calls whose report the fake phone-gateway refuses, with what. */
  readonly reportRefusals = new Map<string, { status: number; code: string }>();
  readonly stored: StoredRecording[] = [];
  readonly storageRefusal: { status?: number } = {};
  engine!: Upstream;
  phoneGateway!: Upstream;
  storage!: Upstream;
  realtime: RunningService | undefined;
  auth!: TestAuth;
  dataDir!: string;
  readonly #clients: Client[] = [];

  constructor(readonly overrides: Record<string, string> = {}) {}

  /** Starts the upstreams (all up) and realtime-processor. */
  async start(): Promise<this> {
    this.auth = await createTestAuth();
    this.dataDir = await mkdtemp(join(tmpdir(), 'realtime-processor-'));
    this.engine = new Upstream(await freePort(), () => fakeEngine(this.auth, this.engineBehaviour, this.engineRecord));
    this.phoneGateway = new Upstream(await freePort(), () => fakePhoneGateway(this.auth, this.reports, this.reportRefusals));
    this.storage = new Upstream(await freePort(), () => fakeStorage(this.auth, this.stored, this.storageRefusal));
    await Promise.all([this.engine.start(), this.phoneGateway.start(), this.storage.start()]);
    await this.startRealtime();
    return this;
  }

  /** (Re)starts realtime-processor on the same DATA_DIR. */
  async startRealtime(): Promise<RunningService> {
    const config = testConfig(configSchema, {
      ...this.auth.env,
      DATA_DIR: this.dataDir,
      CONVERSATION_SERVICE_URL: this.engine.url,
      PHONE_GATEWAY_SERVICE_URL: this.phoneGateway.url,
      STORAGE_SERVICE_URL: this.storage.url,
      REALTIME_DELIVERY_RETRY_MS: '50',
      REALTIME_DELIVERY_RETRY_MAX_MS: '200',
      REALTIME_TURN_DEADLINE_MS: '2000',
      ...this.overrides,
    });
    this.realtime = await createApp({ config, version: 'test' }).listen();
    return this.realtime;
  }

  async stopRealtime(): Promise<void> {
    const running = this.realtime;
    this.realtime = undefined;
    await running?.close('test');
  }

  get wsUrl(): string {
    return `${this.realtime!.url.replace('http', 'ws')}/realtime/conversation`;
  }

  /** A call token as phone-gateway would issue it. */
  token(callId: string, userId = 'user-1', ttlSeconds?: number): string {
    return signCallToken(this.auth.env.SERVICE_AUTH_SECRET!, { callId, userId }, ttlSeconds);
  }

  /** Connects a call (token in the query by default). */
  async connect(callId: string, options: { userId?: string; autoPong?: boolean } = {}): Promise<Client> {
    const token = await this.token(callId, options.userId);
    const client = await Client.open(`${this.wsUrl}?token=${token}`, { autoPong: options.autoPong ?? true });
    this.#clients.push(client);
    return client;
  }

  /** Files under realtime-processor's folder `sub` (recordings, outbox, calls). */
  async files(sub: string): Promise<string[]> {
    return readdir(join(this.dataDir, 'realtime-processor', sub)).then(
      (names) => names.filter((name) => !name.startsWith('rejected')).sort(),
      () => [],
    );
  }

  async rejectedFiles(sub: string): Promise<string[]> {
    return readdir(join(this.dataDir, 'realtime-processor', sub, 'rejected')).catch(() => []);
  }

  async close(): Promise<void> {
    for (const client of this.#clients) client.socket.terminate();
    await this.stopRealtime();
    await Promise.all([this.engine?.stop(), this.phoneGateway?.stop(), this.storage?.stop()]);
    // Retried: a delivery loop may still be writing its last file as the directory goes.
    await rm(this.dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  }
}

/** A WebSocket client that queues what the server sends, for tests to read in order. */
export class Client {
  readonly #queue: ServerMessage[] = [];
  readonly #waiters: Array<(message: ServerMessage | undefined) => void> = [];
  #closed = false;
  /** The close code and reason once the connection closed. */
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = ServerMessageSchema.parse(JSON.parse(String(data)));
      const waiter = this.#waiters.shift();
      if (waiter) waiter(message);
      else this.#queue.push(message);
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => {
        this.#closed = true;
        for (const waiter of this.#waiters.splice(0)) waiter(undefined);
        resolve({ code, reason: reason.toString() });
      }),
    );
  }

  static async open(url: string, options: WebSocket.ClientOptions & { protocols?: string[] } = {}): Promise<Client> {
    const socket = new WebSocket(url, options.protocols ?? [], options);
    const client = new Client(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return client;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message from the server (fails the test when the connection closes first). */
  async next(): Promise<ServerMessage> {
    const queued = this.#queue.shift();
    if (queued) return queued;
    assert.ok(!this.#closed, 'the connection closed before the expected message');
    const message = await new Promise<ServerMessage | undefined>((resolve) => this.#waiters.push(resolve));
    assert.ok(message, 'the connection closed before the expected message');
    return message;
  }

  /** The next message, asserting its type. */
  async expect<T extends ServerMessage['type']>(type: T): Promise<Extract<ServerMessage, { type: T }>> {
    const message = await this.next();
    assert.equal(message.type, type, `expected ${type}, got ${JSON.stringify(message)}`);
    return message as Extract<ServerMessage, { type: T }>;
  }

  /** The next message is an error with this code. */
  async expectError(code: string): Promise<Extract<ServerMessage, { type: 'error' }>> {
    const message = await this.expect('error');
    assert.equal(message.code, code, `expected error ${code}, got ${JSON.stringify(message)}`);
    return message;
  }

  /** Round trip of an application ping: the connection is open and everything sent before is handled. */
  async roundTrip(): Promise<void> {
    this.send({ type: 'ping' });
    await this.expect('pong');
  }

  /** Messages that arrived and were not read yet. */
  get unread(): readonly ServerMessage[] {
    return this.#queue;
  }
}

/** Polls `condition` until it holds (the background delivery has no event to wait on). */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) assert.fail(`never happened: ${what}`);
    await delay(20);
  }
}
