import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { World } from './harness.js';

const audio = (seq: number, bytes = Buffer.from([1, 2, 3, 4, 5, 6]), format = 'audio/pcmu') => ({ type: 'audio_chunk', seq, data: bytes.toString('base64'), format });

describe('realtime-processor: malformed frames get a clear error and the connection stays open', () => {
  let world: World;
  before(async () => {
    world = await new World({ REALTIME_MAX_ERRORS: '1000' }).start();
  });
  after(() => world.close());

  it('a text frame that is not JSON: INVALID_JSON', async () => {
    const client = await world.connect('m-json');
    client.send('{"type": "transcript", ');
    await client.expectError('INVALID_JSON');
    await client.roundTrip();
  });

  it('a binary frame: BINARY_FRAME_NOT_SUPPORTED', async () => {
    const client = await world.connect('m-binary');
    client.socket.send(Buffer.from([0, 1, 2, 3]), { binary: true });
    await client.expectError('BINARY_FRAME_NOT_SUPPORTED');
    await client.roundTrip();
  });

  it('JSON without a known type (a number, null, an array, an unknown or missing type): UNKNOWN_MESSAGE_TYPE', async () => {
    const client = await world.connect('m-type');
    for (const frame of ['42', 'null', '[1,2]', '{"type":"dance"}', '{"text":"hi"}', '{"type":7}']) {
      client.send(frame);
      const error = await client.expectError('UNKNOWN_MESSAGE_TYPE');
      assert.match(error.message, /transcript, audio_chunk, ping, hangup/);
    }
    await client.roundTrip();
  });

  it('a known type that breaks its schema: INVALID_MESSAGE with the issues', async () => {
    const client = await world.connect('m-schema');
    const cases: Array<[unknown, string]> = [
      [{ type: 'transcript' }, 'text'],
      [{ type: 'transcript', text: '   ' }, 'text'],
      [{ type: 'transcript', text: 'x'.repeat(2001) }, 'text'],
      [{ type: 'transcript', text: 'hi', final: 'yes' }, 'final'],
      [{ type: 'transcript', text: 'hi', seq: -1 }, 'seq'],
      [{ type: 'transcript', text: 'hi', seq: 1.5 }, 'seq'],
      [{ type: 'audio_chunk', data: 'AAAA', format: 'audio/pcmu' }, 'seq'],
      [{ type: 'audio_chunk', seq: 1, format: 'audio/pcmu' }, 'data'],
      [{ type: 'audio_chunk', seq: 1, data: 'AAAA', format: 'video/mp4' }, 'format'],
      [{ type: 'audio_chunk', seq: 1, data: 'AAAA' }, 'format'],
    ];
    for (const [frame, path] of cases) {
      client.send(frame);
      const error = await client.expectError('INVALID_MESSAGE');
      const issues = (error.details as { issues: Array<{ path: string }> }).issues;
      assert.ok(
        issues.some((issue) => issue.path === path),
        `${JSON.stringify(frame).slice(0, 80)} → ${JSON.stringify(issues)}`,
      );
    }
    await client.roundTrip();
    assert.equal(world.engineRecord.requests.filter((r) => r.callId === 'm-schema').length, 0, 'nothing invalid reached the engine');
  });

  it('audio data that is not base64: INVALID_AUDIO_DATA', async () => {
    const client = await world.connect('m-base64');
    for (const data of ['not base64!', 'AAA', 'AA=A', 'AAAA====']) {
      client.send({ type: 'audio_chunk', seq: 1, data, format: 'audio/pcmu' });
      await client.expectError('INVALID_AUDIO_DATA');
    }
    client.send(audio(1));
    await client.roundTrip();
    assert.equal(client.unread.length, 0, 'a valid chunk after them is accepted silently');
  });

  it('audio seq that repeats or goes back: DUPLICATE_SEQ / OUT_OF_ORDER_SEQ; the chunks are not recorded', async () => {
    const client = await world.connect('m-seq-audio');
    client.send(audio(5, Buffer.from('five')));
    client.send(audio(5, Buffer.from('dup!')));
    assert.deepEqual((await client.expectError('DUPLICATE_SEQ')).details, { seq: 5, lastSeq: 5 });
    client.send(audio(3, Buffer.from('back')));
    assert.deepEqual((await client.expectError('OUT_OF_ORDER_SEQ')).details, { seq: 3, lastSeq: 5 });
    client.send(audio(9, Buffer.from('nine')));
    await client.roundTrip();
    client.send({ type: 'hangup' });
    await client.closed;
    const stored = await waitForRecording(world, 'm-seq-audio');
    assert.equal(stored.bytes.toString(), 'fivenine');
    assert.equal(stored.contentType, 'audio/pcmu');
  });

  it('final transcript seq that repeats or goes back: DUPLICATE_SEQ / OUT_OF_ORDER_SEQ, not answered', async () => {
    const client = await world.connect('m-seq-text');
    client.send({ type: 'transcript', text: 'first', seq: 10 });
    await client.expect('ai_response');
    client.send({ type: 'transcript', text: 'again', seq: 10 });
    await client.expectError('DUPLICATE_SEQ');
    client.send({ type: 'transcript', text: 'older', seq: 2 });
    await client.expectError('OUT_OF_ORDER_SEQ');
    client.send({ type: 'transcript', text: 'partial', seq: 1, final: false });
    await client.roundTrip();
    assert.deepEqual(
      world.engineRecord.requests.filter((r) => r.callId === 'm-seq-text').map((r) => r.utterance),
      ['first'],
    );
  });

  it('audio in another format than the call’s first chunk: AUDIO_FORMAT_CHANGED', async () => {
    const client = await world.connect('m-format');
    client.send(audio(1, undefined, 'audio/L16;rate=8000'));
    client.send(audio(2, undefined, 'audio/l16; rate=8000'));
    client.send(audio(3, undefined, 'audio/pcmu'));
    const error = await client.expectError('AUDIO_FORMAT_CHANGED');
    assert.deepEqual(error.details, { format: 'audio/L16;rate=8000' });
    client.send(audio(4, undefined, 'audio/l16;rate=16000'));
    await client.expectError('AUDIO_FORMAT_CHANGED');
    await client.roundTrip();
  });
});

describe('realtime-processor: limits', () => {
  let world: World;
  before(async () => {
    world = await new World({
      REALTIME_MAX_ERRORS: '5',
      REALTIME_MAX_FRAME_BYTES: '4096',
      REALTIME_RATE_PER_SECOND: '1',
      REALTIME_RATE_BURST: '30',
      REALTIME_MAX_AUDIO_BYTES_PER_CALL: '1024',
      REALTIME_MAX_PENDING_TURNS: '2',
    }).start();
  });
  after(() => world.close());

  it('too many errors: call_end too_many_errors, then close 1008, and the call is reported', async () => {
    const client = await world.connect('l-errors');
    for (let i = 0; i < 5; i++) client.send('garbage');
    for (let i = 0; i < 5; i++) await client.expectError('INVALID_JSON');
    assert.deepEqual(await client.next(), { type: 'call_end', reason: 'too_many_errors' });
    assert.deepEqual(await client.closed, { code: 1008, reason: 'too many errors' });
    await waitForReport(world, 'l-errors', 'connection_lost');
  });

  it('a frame larger than REALTIME_MAX_FRAME_BYTES closes the connection with 1009', async () => {
    const client = await world.connect('l-frame');
    client.send({ type: 'transcript', text: 'x'.repeat(5000) });
    assert.equal((await client.closed).code, 1009);
    await waitForReport(world, 'l-frame', 'connection_lost');
  });

  it('a frame just under the limit is fine', async () => {
    const client = await world.connect('l-frame-ok');
    client.send({ type: 'transcript', text: 'y'.repeat(1990) });
    await client.expect('ai_response');
  });

  it('over the message rate: RATE_LIMITED for each dropped message; sustained flooding closes with 1008', async () => {
    const client = await world.connect('l-rate');
    // A burst of 30 passes (pings answered); the bucket refills at 1/s, so most of the next ones are dropped, each
    // with RATE_LIMITED, until the fifth error (REALTIME_MAX_ERRORS) ends the call.
    for (let i = 0; i < 45; i++) client.send({ type: 'ping' });
    const { code } = await client.closed;
    assert.equal(code, 1008);
    const answers = client.unread;
    const pongs = answers.filter((m) => m.type === 'pong').length;
    const limited = answers.filter((m) => m.type === 'error' && m.code === 'RATE_LIMITED').length;
    assert.ok(pongs >= 30, `the burst passes (${pongs} pongs)`);
    assert.equal(limited, 5);
    assert.deepEqual(answers.at(-1), { type: 'call_end', reason: 'too_many_errors' });
  });

  it('audio past the per-call cap: AUDIO_LIMIT_EXCEEDED, and the chunk is not recorded', async () => {
    const client = await world.connect('l-audio');
    client.send(audio(1, Buffer.alloc(1000, 7)));
    client.send(audio(2, Buffer.alloc(100, 8)));
    const error = await client.expectError('AUDIO_LIMIT_EXCEEDED');
    assert.deepEqual(error.details, { seq: 2, limit: 1024 });
    client.send(audio(3, Buffer.alloc(24, 9)));
    await client.roundTrip();
    client.send({ type: 'hangup' });
    await client.closed;
    const stored = await waitForRecording(world, 'l-audio');
    assert.equal(stored.bytes.length, 1024);
    const report = await waitForReport(world, 'l-audio', 'caller_hung_up');
    assert.equal(report.audioChunks, 2);
  });

  it('more final transcripts waiting than REALTIME_MAX_PENDING_TURNS: TOO_MANY_PENDING_TURNS for the extra one', async () => {
    world.engineBehaviour.delayMs = 300;
    try {
      const client = await world.connect('l-pending');
      client.send({ type: 'transcript', text: 'one' });
      client.send({ type: 'transcript', text: 'two' });
      client.send({ type: 'transcript', text: 'three' });
      await client.expectError('TOO_MANY_PENDING_TURNS');
      assert.equal((await client.expect('ai_response')).text, 'engine reply to: one');
      assert.equal((await client.expect('ai_response')).text, 'engine reply to: two');
    } finally {
      world.engineBehaviour.delayMs = 0;
    }
  });
});

describe('realtime-processor: idle calls and heartbeats', () => {
  it('a call that sends nothing for REALTIME_IDLE_TIMEOUT_MS ends: call_end timeout, close 4408, reported as timeout', async () => {
    const world = await new World({ REALTIME_IDLE_TIMEOUT_MS: '300' }).start();
    try {
      const client = await world.connect('h-idle');
      assert.deepEqual(await client.next(), { type: 'call_end', reason: 'timeout' });
      assert.deepEqual(await client.closed, { code: 4408, reason: 'idle timeout' });
      await waitForReport(world, 'h-idle', 'timeout');
    } finally {
      await world.close();
    }
  });

  it('the server pings; a client that never answers is cut off and its call reported as connection_lost', async () => {
    const world = await new World({ REALTIME_HEARTBEAT_INTERVAL_MS: '50', REALTIME_HEARTBEAT_TIMEOUT_MS: '200' }).start();
    try {
      const client = await world.connect('h-silent', { autoPong: false });
      let pings = 0;
      client.socket.on('ping', () => (pings += 1));
      const { code } = await client.closed;
      assert.equal(code, 1006, 'terminated, without a close frame');
      assert.ok(pings >= 1, 'it was pinged first');
      await waitForReport(world, 'h-silent', 'connection_lost');
    } finally {
      await world.close();
    }
  });

  it('a client that answers the pings stays connected past the heartbeat timeout', async () => {
    const world = await new World({ REALTIME_HEARTBEAT_INTERVAL_MS: '50', REALTIME_HEARTBEAT_TIMEOUT_MS: '200' }).start();
    try {
      const client = await world.connect('h-alive');
      let pings = 0;
      client.socket.on('ping', () => (pings += 1));
      while (pings < 8) await delay(25);
      await client.roundTrip();
      client.send({ type: 'hangup' });
      assert.equal((await client.closed).code, 1000);
    } finally {
      await world.close();
    }
  });
});

async function waitForReport(world: World, callId: string, reason: string) {
  const until = Date.now() + 15_000;
  for (;;) {
    const report = world.reports.find((r) => r.callId === callId);
    if (report) {
      assert.equal(report.body.reason, reason);
      return report.body;
    }
    if (Date.now() > until) assert.fail(`no report for ${callId}`);
    await delay(20);
  }
}

async function waitForRecording(world: World, callId: string) {
  const until = Date.now() + 15_000;
  for (;;) {
    const stored = world.stored.find((r) => r.callId === callId);
    if (stored) return stored;
    if (Date.now() > until) assert.fail(`no recording for ${callId}`);
    await delay(20);
  }
}
