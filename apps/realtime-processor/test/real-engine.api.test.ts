import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { eventually, freePort, World } from './harness.js';

/**
 * The real conversation-engine (its own process, as in production: an app never imports another) answering the
 * turns of a spam call carried by realtime-processor, until the engine hangs up.
 */
describe('realtime-processor with the real conversation-engine', () => {
  let world: World;
  let engine: ChildProcess;
  let engineDir: string;

  before(async () => {
    world = await new World().start();
    engineDir = await mkdtemp(join(tmpdir(), 'conversation-engine-'));
    const port = await freePort();
    const main = fileURLToPath(new URL('../../conversation-engine/src/main.ts', import.meta.url));
    engine = spawn(process.execPath, ['--conditions=@ai-ninja/source', '--import', 'tsx', main], {
      env: { ...process.env, ...world.auth.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATA_DIR: engineDir },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const url = `http://127.0.0.1:${port}`;
    await eventually(async () => (await fetch(`${url}/health/ready`).catch(() => undefined))?.status === 200, 'conversation-engine is ready', 60_000);
    // realtime-processor again, now pointed at the real engine.
    world.overrides.CONVERSATION_SERVICE_URL = url;
    await world.stopRealtime();
    await world.startRealtime();
  });

  after(async () => {
    if (engine.exitCode === null) {
      engine.kill('SIGTERM');
      await once(engine, 'exit');
    }
    await world.close();
    await rm(engineDir, { recursive: true, force: true });
  });

  it('a loan pitch is answered turn by turn by the engine until it hangs up; the report carries every turn', async () => {
    const client = await world.connect('real-spam-call', { userId: 'user-real' });
    const pitches = [
      'Hello sir, we have a special low interest loan offer for you today',
      'This loan has the lowest rate on the market, you should really take it',
      'Please listen, this loan offer is only available today, do not miss it',
      'I insist, the loan is approved already, just give me your details',
      'Come on, everyone is taking this loan, you really need to listen to me',
      'Sir please, just one minute, this loan will change your life',
      'I will call you again and again until you accept this loan',
    ];
    const replies = [];
    for (const pitch of pitches) {
      client.send({ type: 'transcript', text: pitch });
      const reply = await client.expect('ai_response');
      replies.push(reply);
      assert.equal(reply.fallback, false, `the engine answered: ${JSON.stringify(reply)}`);
      if (reply.shouldHangup) break;
    }
    const last = replies.at(-1)!;
    assert.equal(last.shouldHangup, true, `the engine hung up within ${pitches.length} turns: ${replies.map((r) => r.stage).join(' → ')}`);
    assert.equal(last.stage, 'hang_up');
    assert.ok(replies.some((r) => r.intent === 'loan'));
    assert.equal(new Set(replies.map((r) => r.text)).size, replies.length, 'the engine never repeats itself');
    assert.deepEqual(await client.next(), { type: 'call_end', reason: 'ai_hung_up' });
    assert.equal((await client.closed).code, 1000);

    await eventually(() => world.reports.some((r) => r.callId === 'real-spam-call'), 'the report reaches phone-gateway');
    const report = world.reports.find((r) => r.callId === 'real-spam-call')!.body;
    assert.equal(report.reason, 'ai_hung_up');
    assert.equal(report.turns.length, replies.length * 2);
  });
});
