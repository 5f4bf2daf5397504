import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { signCallToken } from '@ai-ninja/service-kit';
import { SCRIPTED_LINES_PER_LANGUAGE } from '../src/domain/scripted-replies.js';
import { Client, eventually, World } from './harness.js';

/** Tries an upgrade and returns the HTTP answer that refused it (status and JSON body). */
function refusedUpgrade(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: { error: { code: string; message: string; requestId: string } }; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url.replace('ws://', 'http://'), {
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
    });
    req.on('upgrade', () => reject(new Error('the upgrade was accepted')));
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('realtime-processor: who may connect', () => {
  let world: World;
  before(async () => {
    world = await new World().start();
  });
  after(() => world.close());

  it('refuses an upgrade without a call token: 401 with the error envelope', async () => {
    const answer = await refusedUpgrade(world.wsUrl, { 'x-request-id': 'req-401' });
    assert.equal(answer.status, 401);
    assert.equal(answer.body.error.code, 'UNAUTHENTICATED');
    assert.equal(answer.body.error.requestId, 'req-401');
    assert.equal(answer.headers['www-authenticate'], 'Bearer');
  });

  it('refuses a token that is not ours, an expired one, and a service credential: 401', async () => {
    const foreign = signCallToken('another-secret-of-at-least-32-characters!', { callId: 'c-x', userId: 'u' });
    const expired = await world.token('c-x', 'u', -10);
    const serviceCredential = world.auth.serviceToken('phone-gateway');
    for (const token of [foreign, expired, serviceCredential, 'not-a-jwt']) {
      const answer = await refusedUpgrade(`${world.wsUrl}?token=${encodeURIComponent(token)}`);
      assert.equal(answer.status, 401, token);
      assert.equal(answer.body.error.code, 'UNAUTHENTICATED');
    }
  });

  it('refuses an upgrade on another path with 404', async () => {
    const answer = await refusedUpgrade(world.wsUrl.replace('/realtime/conversation', '/realtime/other'));
    assert.equal(answer.status, 404);
    assert.equal(answer.body.error.code, 'ROUTE_NOT_FOUND');
  });

  it('takes the token from the query, the Authorization header, or the bearer subprotocol (and then selects ours)', async () => {
    const viaQuery = await world.connect('c-query');
    await viaQuery.roundTrip();

    const viaHeader = await Client.open(world.wsUrl, { headers: { authorization: `Bearer ${await world.token('c-header')}` } });
    await viaHeader.roundTrip();

    const viaProtocol = await Client.open(world.wsUrl, { protocols: ['ai-ninja.realtime.v1', `bearer.${await world.token('c-protocol')}`] });
    assert.equal(viaProtocol.socket.protocol, 'ai-ninja.realtime.v1', 'the token is not echoed back');
    await viaProtocol.roundTrip();

    for (const client of [viaQuery, viaHeader, viaProtocol]) client.socket.close();
  });

  it('keeps one live connection per call: a second one is refused with 409, and an ended call cannot reconnect', async () => {
    const first = await world.connect('c-once');
    const token = await world.token('c-once');
    const second = await refusedUpgrade(`${world.wsUrl}?token=${token}`);
    assert.equal(second.status, 409);
    assert.equal(second.body.error.code, 'CALL_ALREADY_CONNECTED');
    await first.roundTrip();

    first.send({ type: 'hangup' });
    await first.expect('call_end');
    await first.closed;
    const again = await refusedUpgrade(`${world.wsUrl}?token=${token}`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'CALL_ALREADY_ENDED');
  });
});

describe('realtime-processor: the conversation', () => {
  let world: World;
  before(async () => {
    world = await new World().start();
  });
  after(() => world.close());

  it('answers each final transcript in turn, ignores interim ones, and reports the call when the caller hangs up', async () => {
    const client = await world.connect('call-multi', { userId: 'user-42' });
    client.send({ type: 'transcript', text: 'Hello, I am calling about', final: false });
    client.send({ type: 'transcript', text: 'Hello, I am calling about a loan offer', final: true, seq: 1 });
    const first = await client.expect('ai_response');
    assert.equal(first.text, 'engine reply to: Hello, I am calling about a loan offer');
    assert.equal(first.turn, 1);
    assert.equal(first.fallback, false);
    assert.equal(first.shouldHangup, false);
    assert.equal(first.intent, 'sales');
    assert.equal(first.stage, 'handling');
    assert.ok(first.processingLatency >= 0);

    client.send({ type: 'transcript', text: 'It has a very low rate', seq: 2 });
    const second = await client.expect('ai_response');
    assert.equal(second.turn, 2);
    assert.equal(second.text, 'engine reply to: It has a very low rate');

    client.send({ type: 'hangup' });
    assert.deepEqual(await client.next(), { type: 'call_end', reason: 'caller_hung_up' });
    assert.deepEqual(await client.closed, { code: 1000, reason: 'caller hung up' });

    assert.deepEqual(
      world.engineRecord.requests.filter((r) => r.callId === 'call-multi').map((r) => [r.userId, r.utterance]),
      [
        ['user-42', 'Hello, I am calling about a loan offer'],
        ['user-42', 'It has a very low rate'],
      ],
    );
    await eventually(() => world.reports.some((r) => r.callId === 'call-multi'), 'the report reaches phone-gateway');
    const report = world.reports.find((r) => r.callId === 'call-multi')!;
    assert.equal(report.body.reason, 'caller_hung_up');
    assert.equal(report.idempotencyKey, 'conversation-ended:call-multi');
    assert.deepEqual(
      report.body.turns.map((t) => [t.speaker, t.text]),
      [
        ['caller', 'Hello, I am calling about a loan offer'],
        ['ai', 'engine reply to: Hello, I am calling about a loan offer'],
        ['caller', 'It has a very low rate'],
        ['ai', 'engine reply to: It has a very low rate'],
      ],
    );
    assert.equal(report.body.audioChunks, 0);
    await eventually(async () => (await world.files('outbox')).length === 0, 'the delivered report leaves the outbox');
    assert.deepEqual(await world.files('calls'), [], 'the call journal is gone');
  });

  it('when the engine decides to hang up: ai_response with shouldHangup, then call_end and close 1000', async () => {
    const client = await world.connect('call-ai-hangup');
    client.send({ type: 'transcript', text: 'ok goodbye then' });
    const reply = await client.expect('ai_response');
    assert.equal(reply.shouldHangup, true);
    assert.equal(reply.stage, 'hang_up');
    assert.deepEqual(await client.next(), { type: 'call_end', reason: 'ai_hung_up' });
    assert.equal((await client.closed).code, 1000);
    await eventually(() => world.reports.some((r) => r.callId === 'call-ai-hangup'), 'the report reaches phone-gateway');
    assert.equal(world.reports.find((r) => r.callId === 'call-ai-hangup')!.body.reason, 'ai_hung_up');
  });

  it('answers transcripts of one call in order, one engine call at a time', async () => {
    world.engineBehaviour.delayMs = 30;
    try {
      const client = await world.connect('call-serial');
      for (let i = 1; i <= 4; i++) client.send({ type: 'transcript', text: `utterance ${i}`, seq: i });
      for (let i = 1; i <= 4; i++) {
        const reply = await client.expect('ai_response');
        assert.equal(reply.turn, i);
        assert.equal(reply.text, `engine reply to: utterance ${i}`);
      }
      assert.equal(world.engineRecord.maxConcurrentPerCall, 1);
      client.socket.close();
    } finally {
      world.engineBehaviour.delayMs = 0;
    }
  });

  it('reports a call whose connection is lost as connection_lost, with its turns', async () => {
    const client = await world.connect('call-lost');
    client.send({ type: 'transcript', text: 'are you there' });
    await client.expect('ai_response');
    client.socket.terminate();
    await eventually(() => world.reports.some((r) => r.callId === 'call-lost'), 'the report reaches phone-gateway');
    const report = world.reports.find((r) => r.callId === 'call-lost')!;
    assert.equal(report.body.reason, 'connection_lost');
    assert.equal(report.body.turns.length, 2);
  });
});

describe('realtime-processor: when conversation-engine is slow or away', () => {
  let world: World;
  before(async () => {
    world = await new World({ REALTIME_TURN_DEADLINE_MS: '250' }).start();
  });
  after(() => world.close());

  it('a slow engine (past the turn deadline) is replaced by a scripted reply, sent before the engine answers', async () => {
    world.engineBehaviour.delayMs = 3000;
    try {
      const finishedBefore = world.engineRecord.finished;
      const client = await world.connect('call-slow');
      client.send({ type: 'transcript', text: 'Hello, do you want insurance?' });
      const reply = await client.expect('ai_response');
      assert.equal(reply.fallback, true);
      assert.equal(reply.shouldHangup, false);
      assert.equal(reply.intent, 'other');
      assert.equal(reply.turn, 1);
      assert.ok(reply.text.length > 0);
      assert.equal(world.engineRecord.finished, finishedBefore, 'the engine was still working on its answer');
      assert.equal(world.engineRecord.requests.filter((r) => r.callId === 'call-slow').length, 1);
      client.socket.close();
    } finally {
      world.engineBehaviour.delayMs = 0;
    }
  });

  it('an engine that is down: scripted replies keep the call going, in the caller’s language, never repeating, then a goodbye', async () => {
    await world.engine.stop();
    try {
      const client = await world.connect('call-engine-down');
      const english: string[] = [];
      for (let i = 0; i < SCRIPTED_LINES_PER_LANGUAGE; i++) {
        client.send({ type: 'transcript', text: `sales pitch number ${i}` });
        const reply = await client.expect('ai_response');
        assert.equal(reply.fallback, true);
        assert.equal(reply.shouldHangup, false);
        assert.equal(reply.turn, i + 1);
        english.push(reply.text);
      }
      assert.equal(new Set(english).size, english.length, 'no line repeats within the call');

      client.send({ type: 'transcript', text: '您好，我们有一个贷款产品' });
      const chinese = await client.expect('ai_response');
      assert.match(chinese.text, /[\u4e00-\u9fff]/);
      assert.equal(chinese.shouldHangup, false);

      client.send({ type: 'transcript', text: 'one more pitch' });
      const goodbye = await client.expect('ai_response');
      assert.equal(goodbye.fallback, true);
      assert.equal(goodbye.shouldHangup, true);
      assert.equal(goodbye.stage, 'hang_up');
      assert.deepEqual(await client.next(), { type: 'call_end', reason: 'ai_hung_up' });
      assert.equal((await client.closed).code, 1000);
    } finally {
      await world.engine.start();
    }
  });
});

describe('realtime-processor: shutdown', () => {
  it('refuses new calls, ends the open ones with call_end shutdown and close 1001, and keeps their reports', async () => {
    const world = await new World({ REALTIME_SHUTDOWN_GRACE_MS: '100' }).start();
    try {
      const client = await world.connect('call-shutdown');
      client.send({ type: 'transcript', text: 'hello there' });
      await client.expect('ai_response');
      const closing = world.stopRealtime();
      assert.deepEqual(await client.next(), { type: 'call_end', reason: 'shutdown' });
      assert.equal((await client.closed).code, 1001);
      await closing;
      assert.ok(world.reports.some((r) => r.callId === 'call-shutdown' && r.body.reason === 'connection_lost'), 'the report was delivered during shutdown');
    } finally {
      await world.close();
    }
  });

  it('a connection attempt during shutdown is refused with 503', async () => {
    const world = await new World({ REALTIME_SHUTDOWN_GRACE_MS: '3000' }).start();
    try {
      const client = await world.connect('call-open');
      const url = world.wsUrl;
      const closing = world.stopRealtime();
      const token = await world.token('call-new');
      await eventually(async () => {
        const attempt = new WebSocket(`${url}?token=${token}`);
        const status = await new Promise<number>((resolve) => {
          attempt.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
          attempt.on('open', () => resolve(101));
          attempt.on('error', () => resolve(0));
        });
        attempt.terminate();
        return status === 503;
      }, 'a new upgrade is refused with 503 while calls drain');
      client.send({ type: 'hangup' });
      await client.closed;
      await closing;
    } finally {
      await world.close();
    }
  });
});
