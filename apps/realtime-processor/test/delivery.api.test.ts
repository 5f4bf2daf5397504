import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { HealthBodySchema } from '@ai-ninja/contracts';
import { Client, eventually, World } from './harness.js';

const chunk = (seq: number, text: string) => ({ type: 'audio_chunk', seq, data: Buffer.from(text).toString('base64'), format: 'audio/l16;rate=8000' });

async function health(world: World) {
  const response = await fetch(`${world.realtime!.url}/health`);
  return HealthBodySchema.parse(await response.json());
}

/** A call that sends audio chunks and a transcript, then hangs up. */
async function callWithAudio(world: World, callId: string, pieces: string[]): Promise<void> {
  const client = await world.connect(callId, { userId: 'user-rec' });
  pieces.forEach((piece, i) => client.send(chunk(i + 1, piece)));
  client.send({ type: 'transcript', text: 'hello?' });
  await client.expect('ai_response');
  client.send({ type: 'hangup' });
  await client.closed;
}

describe('realtime-processor: recordings reach storage', () => {
  let world: World;
  before(async () => {
    world = await new World().start();
  });
  after(() => world.close());

  it('ships a call’s audio, in seq order, as one recording with its content type, call and user; the local copy goes', async () => {
    await callWithAudio(world, 'rec-ok', ['one-', 'two-', 'three']);
    await eventually(() => world.stored.some((r) => r.callId === 'rec-ok'), 'the recording reaches storage');
    const stored = world.stored.find((r) => r.callId === 'rec-ok')!;
    assert.equal(stored.bytes.toString(), 'one-two-three');
    assert.equal(stored.contentType, 'audio/l16;rate=8000');
    assert.equal(stored.userId, 'user-rec');
    await eventually(async () => (await world.files('recordings')).length === 0, 'the local copy is deleted after the 201');
    await eventually(() => world.reports.some((r) => r.callId === 'rec-ok'), 'the report arrives');
    assert.equal(world.reports.find((r) => r.callId === 'rec-ok')!.body.audioChunks, 3);
  });

  it('with storage down, keeps the recording on disk (health warns) and ships it when storage comes back', async () => {
    await world.storage.stop();
    await callWithAudio(world, 'rec-later', ['kept ', 'on disk']);
    await eventually(async () => (await world.files('recordings')).length === 2, 'the recording waits on disk (audio and metadata)');
    await eventually(async () => (await health(world)).status === 'warn', 'health warns about the backlog');
    const body = await health(world);
    const check = body.checks?.['delivery-backlog']?.[0];
    assert.equal(check?.status, 'warn');
    assert.match(check?.output ?? '', /1 recording\(s\) waiting for storage/);
    assert.equal(world.stored.length, 1, 'nothing new reached storage');

    await world.storage.start();
    await eventually(() => world.stored.some((r) => r.callId === 'rec-later'), 'the recording is shipped once storage is back');
    assert.equal(world.stored.find((r) => r.callId === 'rec-later')!.bytes.toString(), 'kept on disk');
    await eventually(async () => (await world.files('recordings')).length === 0, 'then deleted locally');
    await eventually(async () => (await health(world)).status === 'pass', 'health passes again');
  });

  it('a recording storage refuses for good (415) moves aside, kept, and health keeps warning', async () => {
    world.storageRefusal.status = 415;
    try {
      await callWithAudio(world, 'rec-refused', ['odd audio']);
      await eventually(
        async () => (await world.rejectedFiles('recordings')).length === 2 && (await world.files('recordings')).length === 0,
        'the recording moves to rejected/',
      );
      // Health results are cached for a second.
      await eventually(async () => /1 refused for good/.test((await health(world)).checks?.['delivery-backlog']?.[0]?.output ?? ''), 'health tells the refused recording');
      assert.equal((await health(world)).status, 'warn');
    } finally {
      delete world.storageRefusal.status;
    }
  });
});

describe('realtime-processor: conversation-ended reports reach phone-gateway', () => {
  it('retries a report until phone-gateway is back, once (one idempotency key)', async () => {
    const world = await new World().start();
    try {
      await world.phoneGateway.stop();
      const client = await world.connect('rep-retry');
      client.send({ type: 'transcript', text: 'anyone?' });
      await client.expect('ai_response');
      client.send({ type: 'hangup' });
      await client.closed;
      await eventually(async () => (await world.files('outbox')).length === 1, 'the report waits in the outbox');
      assert.equal(world.reports.length, 0);

      await world.phoneGateway.start();
      await eventually(() => world.reports.some((r) => r.callId === 'rep-retry'), 'the report is delivered once phone-gateway is back');
      await eventually(async () => (await world.files('outbox')).length === 0, 'and leaves the outbox');
      assert.equal(world.reports.filter((r) => r.callId === 'rep-retry').length, 1);
      assert.equal(world.reports[0]!.idempotencyKey, 'conversation-ended:rep-retry');
    } finally {
      await world.close();
    }
  });

  it('a report phone-gateway refuses for a while (409 CALL_CHANGED) is sent again; one it refuses for good (404) moves aside', async () => {
    const world = await new World().start();
    try {
      world.reportRefusals.set('rep-conflict', { status: 409, code: 'CALL_CHANGED' });
      world.reportRefusals.set('rep-unknown', { status: 404, code: 'CALL_NOT_FOUND' });
      for (const callId of ['rep-conflict', 'rep-unknown']) {
        const client = await world.connect(callId);
        client.send({ type: 'hangup' });
        await client.closed;
      }
      await eventually(
        async () => (await world.rejectedFiles('outbox')).length === 1 && (await world.files('outbox')).length === 1,
        'the 404 report moves aside, the 409 one waits',
      );
      world.reportRefusals.delete('rep-conflict');
      await eventually(() => world.reports.some((r) => r.callId === 'rep-conflict'), 'the 409 report is delivered on a later pass');
      assert.ok(!world.reports.some((r) => r.callId === 'rep-unknown'));
      // The refused attempts applied nothing, and their answer is replayed for their key: the delivery used a new one.
      assert.match(world.reports.find((r) => r.callId === 'rep-conflict')!.idempotencyKey ?? '', /^conversation-ended:rep-conflict:\d+$/);
      await eventually(async () => (await world.files('outbox')).length === 0, 'the outbox is empty but for rejected/');
    } finally {
      await world.close();
    }
  });

  it('a report and a recording left undelivered survive a restart of realtime-processor and are delivered after it', async () => {
    const world = await new World().start();
    try {
      await Promise.all([world.phoneGateway.stop(), world.storage.stop()]);
      await callWithAudio(world, 'rep-restart', ['survives ', 'a restart']);
      await eventually(async () => (await world.files('outbox')).length === 1, 'the report waits in the outbox');
      await world.stopRealtime();
      assert.equal((await world.files('outbox')).length, 1, 'still on disk after the stop');
      assert.equal((await world.files('recordings')).length, 2);

      await Promise.all([world.phoneGateway.start(), world.storage.start()]);
      await world.startRealtime();
      await eventually(() => world.reports.some((r) => r.callId === 'rep-restart'), 'the report is delivered by the new process');
      await eventually(() => world.stored.some((r) => r.callId === 'rep-restart'), 'the recording is shipped by the new process');
      assert.equal(world.stored.find((r) => r.callId === 'rep-restart')!.bytes.toString(), 'survives a restart');
      const report = world.reports.find((r) => r.callId === 'rep-restart')!;
      assert.equal(report.body.reason, 'caller_hung_up');
      assert.equal(report.body.audioChunks, 2);
      await eventually(async () => (await world.files('outbox')).length + (await world.files('recordings')).length === 0, 'nothing is left locally');
    } finally {
      await world.close();
    }
  });

  it('a process killed during a call: at the next start its recording is shipped and the call reported as connection_lost', async () => {
    const world = await new World().start();
    await world.stopRealtime(); // this test runs realtime-processor as its own process, to kill it
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const env = {
      ...process.env,
      ...world.auth.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      DATA_DIR: world.dataDir,
      CONVERSATION_SERVICE_URL: world.engine.url,
      PHONE_GATEWAY_SERVICE_URL: world.phoneGateway.url,
      STORAGE_SERVICE_URL: world.storage.url,
    };
    const child = spawn(process.execPath, ['--conditions=@ai-ninja/source', '--import', 'tsx', main], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let port = 0;
      for await (const line of createInterface({ input: child.stdout! })) {
        const record = JSON.parse(line) as { msg?: string; port?: number };
        if (record.msg === 'listening') {
          port = record.port!;
          break;
        }
      }
      child.stdout!.resume();
      const client = await Client.open(`ws://127.0.0.1:${port}/realtime/conversation?token=${await world.token('killed-call', 'user-k')}`);
      client.send(chunk(1, 'before '));
      client.send(chunk(2, 'the kill'));
      client.send({ type: 'transcript', text: 'is anybody there' });
      await client.expect('ai_response');
      // What the process wrote (without fsync) survives its kill; wait until it has written it.
      const dir = join(world.dataDir, 'realtime-processor');
      await eventually(async () => {
        const audio = (await world.files('recordings')).find((name) => name.endsWith('.audio'));
        return audio !== undefined && (await stat(join(dir, 'recordings', audio))).size === 15;
      }, 'the audio is written');
      await eventually(async () => {
        const [journal] = await world.files('calls');
        return journal !== undefined && (await readFile(join(dir, 'calls', journal), 'utf8')).trim().split('\n').length === 3;
      }, 'the journal has the start and both turns');
      child.kill('SIGKILL');
      await once(child, 'exit');
      await client.closed;
      assert.equal(world.reports.length, 0, 'the killed process reported nothing');
      assert.equal((await world.files('calls')).length, 1, 'the call’s journal was left behind');

      await world.startRealtime();
      await eventually(() => world.reports.some((r) => r.callId === 'killed-call'), 'the interrupted call is reported');
      const report = world.reports.find((r) => r.callId === 'killed-call')!.body;
      assert.equal(report.reason, 'connection_lost');
      assert.deepEqual(
        report.turns.map((t) => t.speaker),
        ['caller', 'ai'],
      );
      await eventually(() => world.stored.some((r) => r.callId === 'killed-call'), 'its recording is shipped');
      assert.equal(world.stored.find((r) => r.callId === 'killed-call')!.bytes.toString(), 'before the kill');
      await eventually(async () => (await world.files('calls')).length === 0, 'the journal is gone');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await world.close();
    }
  });
});
