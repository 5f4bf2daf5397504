import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManageTurnResponseSchema, type ManageTurnResponse } from '@ai-ninja/contracts';
import { DATABASE_KINDS, testDatabase, type TestDatabase } from '@ai-ninja/data/testing';
import { createLogger, type RunningService } from '@ai-ninja/service-kit';
import { createTestAuth, describeServiceBasics, expectErrorEnvelope, testConfig, type TestAuth } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { openConversationDatabase } from '../src/store/database.js';

const silent = createLogger({ service: 'conversation-engine', level: 'silent' });

async function start(env: Record<string, string>): Promise<RunningService> {
  const config = testConfig(configSchema, env);
  return createApp({ config, version: 'test', database: await openConversationDatabase(config, silent) }).listen();
}

describeServiceBasics({
  name: 'conversation-engine',
  configSchema,
  env: { DATA_DIR: mkdtempSync(join(tmpdir(), 'conversation-basics-')) },
  createApp: async (config) => createApp({ config, version: 'test', database: await openConversationDatabase(config, silent) }),
});

const PERSISTENT_LOAN_CALLER = [
  '您好，我是平安银行信用卡中心的，给您办理一个额度提升',
  '我们这个贷款利息很低的，您听我说完',
  '就耽误您两分钟，真的很划算',
  '您再考虑一下嘛，为什么不要呢',
  '我再给您介绍一下我们的贷款产品',
  '别挂啊，听我说',
  '最后一次机会了',
  '你再想想',
  '我们真的很优惠',
  '拜托了',
  '听我讲完',
  '就一分钟',
  '真的不考虑吗',
];

for (const kind of DATABASE_KINDS) {
  describe(`conversation-engine on ${kind}`, () => {
    let auth: TestAuth;
    let db: TestDatabase;
    let running: RunningService;
    let realtime: Record<string, string>;
    const turn = (body: object, headers = realtime) =>
      fetch(`${running.url}/api/v1/conversation/manage`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

    before(async () => {
      auth = await createTestAuth();
      db = await testDatabase(kind);
      running = await start({ ...auth.env, ...db.env });
      realtime = auth.bearer(auth.serviceToken('realtime-processor'));
    });
    after(async () => {
      await running.close();
      await db.cleanup();
    });

    it('answers a persistent caller turn by turn, firmer each time, never repeating itself, until it hangs up', async () => {
      const replies: ManageTurnResponse[] = [];
      for (const utterance of PERSISTENT_LOAN_CALLER) {
        const response = await turn({ callId: `${kind}-loan`, userId: 'alice', utterance, personality: 'polite' });
        assert.equal(response.status, 200);
        const reply = ManageTurnResponseSchema.parse(await response.json());
        replies.push(reply);
        if (reply.shouldTerminate) break;
      }
      const stages = replies.map((r) => r.stage);
      assert.equal(replies[0]!.intent, 'loan');
      assert.ok(stages.includes('firm_rejection'), `stages: ${stages.join(' → ')}`);
      assert.equal(stages.at(-1), 'hang_up');
      assert.equal(replies.at(-1)!.shouldTerminate, true);
      assert.deepEqual(replies.map((r) => r.turn), replies.map((_, i) => i + 1));
      assert.equal(new Set(replies.map((r) => r.reply.text)).size, replies.length, 'no reply repeated within the call');
      assert.ok(replies.every((r) => r.model === 'embedded' && /[\u4e00-\u9fff]/.test(r.reply.text)), 'answers in Chinese to a Chinese caller');
    });

    it('keeps each call’s history for its user, across a restart', async () => {
      await turn({ callId: `${kind}-hist`, userId: 'alice', utterance: 'Hi, this is Mike from SolarMax, you qualify for free solar panels' });
      await running.close();
      running = await start({ ...auth.env, ...db.env });
      const second = ManageTurnResponseSchema.parse(await (await turn({ callId: `${kind}-hist`, userId: 'alice', utterance: 'just give me one minute please' })).json());
      assert.equal(second.turn, 2, 'the dialogue goes on where it was');
      const history = (await (await fetch(`${running.url}/api/v1/conversation/history/${kind}-hist`, { headers: auth.bearer(await auth.userToken('alice')) })).json()) as {
        turns: Array<{ intent: string; reply: { text: string } }>;
        summary: { category: string; turns: number };
      };
      assert.deepEqual(history.turns.map((t) => t.intent), ['sales', 'persistence']);
      assert.equal(history.summary.category, 'sales');
      await expectErrorEnvelope(await fetch(`${running.url}/api/v1/conversation/history/${kind}-hist`, { headers: auth.bearer(await auth.userToken('bob')) }), 403, 'FORBIDDEN');
      await expectErrorEnvelope(await fetch(`${running.url}/api/v1/conversation/history/${kind}-hist`), 401, 'UNAUTHENTICATED');
      await expectErrorEnvelope(await fetch(`${running.url}/api/v1/conversation/history/nope`, { headers: auth.bearer(await auth.userToken('alice')) }), 404, 'CONVERSATION_NOT_FOUND');
    });

    it('takes turns from services only, for the call’s own user only, and validates them', async () => {
      await expectErrorEnvelope(await turn({ callId: 'x', userId: 'alice', utterance: 'hello' }, {}), 401, 'UNAUTHENTICATED');
      await expectErrorEnvelope(await turn({ callId: 'x', userId: 'alice', utterance: 'hello' }, auth.bearer(await auth.userToken('alice'))), 403, 'FORBIDDEN');
      await expectErrorEnvelope(await turn({ callId: 'x', userId: 'alice', utterance: '' }), 400, 'VALIDATION_FAILED');
      await expectErrorEnvelope(await turn({ callId: 'x', userId: 'alice', utterance: 'hi', personality: 'rude' }), 400, 'VALIDATION_FAILED');
      assert.equal((await turn({ callId: `${kind}-owner`, userId: 'alice', utterance: 'hello' })).status, 200);
      await expectErrorEnvelope(await turn({ callId: `${kind}-owner`, userId: 'mallory', utterance: 'hello' }), 409, 'CALL_USER_MISMATCH');
    });

    it('ends a call from outside with its summary', async () => {
      await turn({ callId: `${kind}-end`, userId: 'alice', utterance: 'We have a great insurance plan for your family' });
      const response = await fetch(`${running.url}/api/v1/conversation/terminate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...realtime },
        body: JSON.stringify({ callId: `${kind}-end` }),
      });
      const ended = (await response.json()) as { stage: string; summary: { category: string; endedAt: string | null } };
      assert.equal(ended.stage, 'hang_up');
      assert.equal(ended.summary.category, 'insurance');
      assert.ok(ended.summary.endedAt);
    });
  });
}

describe('conversation-engine: the model’s parts, and an OpenAI-compatible provider', () => {
  let auth: TestAuth;
  let provider: Server;
  let providerMode: 'ok' | 'fail' = 'ok';
  let providerCalls = 0;
  let running: RunningService;
  let realtime: Record<string, string>;
  const turn = (callId: string, utterance: string) =>
    fetch(`${running.url}/api/v1/conversation/manage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...realtime },
      body: JSON.stringify({ callId, userId: 'alice', utterance, personality: 'humorous' }),
    }).then(async (r) => ManageTurnResponseSchema.parse(await r.json()));

  before(async () => {
    auth = await createTestAuth();
    realtime = auth.bearer(auth.serviceToken('realtime-processor'));
    provider = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        providerCalls += 1;
        if (providerMode === 'fail') {
          res.writeHead(500).end();
          return;
        }
        const request = JSON.parse(body) as { model: string; messages: Array<{ role: string; content: string }> };
        assert.equal(request.model, 'test-model');
        assert.match(request.messages[0]!.content, /humorous/);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ message: { content: `LLM reply #${providerCalls}` } }] }));
      });
    });
    provider.listen(0, '127.0.0.1');
    await new Promise((resolve) => provider.once('listening', resolve));
    const port = (provider.address() as AddressInfo).port;
    running = await start({ ...auth.env, DATA_DIR: mkdtempSync(join(tmpdir(), 'conversation-llm-')), LLM_BASE_URL: `http://127.0.0.1:${port}/v1`, LLM_MODEL: 'test-model', LLM_TIMEOUT_MS: '500' });
  });
  after(async () => {
    await running.close();
    provider.close();
  });

  it('has the provider write the words while the embedded model keeps the dialogue, and falls back when it fails, then stops asking', async () => {
    const first = await turn('llm-1', 'Hello, I am calling about an amazing investment opportunity');
    assert.equal(first.model, 'llm');
    assert.equal(first.reply.text, 'LLM reply #1');
    assert.equal(first.intent, 'investment');

    providerMode = 'fail';
    const utterances = ['it is really good', 'just listen', 'one minute', 'why not', 'please', 'hear me out', 'last chance'];
    const results = [];
    for (const utterance of utterances) results.push(await turn('llm-2', utterance));
    assert.ok(results.every((r) => r.model === 'embedded' && r.reply.text.length > 0), 'every turn still answered');
    const callsWhileFailing = providerCalls;
    await turn('llm-3', 'hello again');
    assert.equal(providerCalls, callsWhileFailing, 'once the breaker is open the provider is not asked');
    const health = (await (await fetch(`${running.url}/health/ready`)).json()) as { status: string };
    assert.equal(health.status, 'warn');
  });

  it('reads emotions and previews personalities', async () => {
    const user = auth.bearer(await auth.userToken('alice'));
    const emotion = (await (
      await fetch(`${running.url}/api/v1/conversation/emotion`, { method: 'POST', headers: { 'content-type': 'application/json', ...user }, body: JSON.stringify({ utterance: 'WHY WON’T YOU LISTEN!!!' }) })
    ).json()) as { emotion: string; intensity: number };
    assert.ok(['angry', 'frustrated'].includes(emotion.emotion));
    assert.ok(emotion.intensity > 0);
    const preview = (await (
      await fetch(`${running.url}/api/v1/conversation/personalize`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...user },
        body: JSON.stringify({ personality: 'professional', stage: 'firm_rejection', intent: 'sales', language: 'en' }),
      })
    ).json()) as { text: string; id: string };
    assert.match(preview.id, /^professional\./);
    assert.ok(preview.text.length > 0);
  });
});
