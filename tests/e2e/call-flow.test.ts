/**
 * The live call end to end, every service involved as its own process (SQLite, no Redis: the embedded transports):
 * a spam call answered by the AI over the WebSocket until it hangs up, then analysed into the caller's profile and the
 * user's trends; a contact put through; smart-whitelist stopped in the middle; profile-analytics away while a call
 * completes and analysing it once it returns.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { CallerProfileSchema, IncomingCallResponseSchema, TokenResponseSchema, type IncomingCallResponse } from '@ai-ninja/contracts';
import { json, phone, post, System } from './system.js';

const SPAM_CALLER = [
  'Hello, this is Kevin from Golden Harbor Capital, how are you today?',
  'I am calling about an exclusive investment opportunity with guaranteed returns.',
  'Just give me two minutes, you will not regret it.',
  'Why not? Everyone is making money with this fund.',
  'Please, just hear me out, this is a limited time offer.',
  'Come on, one more minute, I promise it is worth it.',
  'Listen, this is the last chance.',
  'Hello? Are you still there?',
  'Just one more minute please.',
  'You are making a big mistake.',
  'Wait, wait, listen to me.',
  'Okay, one final offer for you.',
];

describe('the live call, end to end', () => {
  const system = new System();
  let auth: Record<string, string>;
  let userId: string;
  let hosted: string;
  const contact = phone();

  before(async () => {
    await system.start();
    const email = `e2e-${Date.now()}@example.com`;
    const password = 'correct-horse-battery-staple';
    await json(await post(`${system.url('user-management')}/api/v1/auth/register`, { email, password, displayName: 'E2E User' }));
    const session = await json(await post(`${system.url('user-management')}/api/v1/auth/login`, { email, password }), TokenResponseSchema);
    auth = { authorization: `Bearer ${session.accessToken}` };
    userId = session.user.id;
    hosted = phone();
    await json(await post(`${system.url('user-management')}/api/v1/users/${userId}/phones`, { phone: hosted }, auth));
    await json(await post(`${system.url('smart-whitelist')}/api/v1/whitelist/${userId}`, { phone: contact, name: 'Mom' }, auth));
  });
  after(() => system.close());

  const incoming = async (from: string): Promise<IncomingCallResponse> =>
    json(await post(`${system.url('phone-gateway')}/webhook/incoming-call`, { callId: `e2e-${Date.now()}-${randomInt(1e9)}`, from, to: hosted }), IncomingCallResponseSchema);

  /** Plays the caller over the WebSocket: each line answered before the next, until the AI ends the call. */
  async function converse(call: IncomingCallResponse): Promise<Array<{ type: string; text?: string; stage?: string; fallback?: boolean }>> {
    assert.ok(call.realtime, 'an AI-answered call comes with its WebSocket');
    const socket = new WebSocket(`${call.realtime.url}?token=${encodeURIComponent(call.realtime.token)}`);
    const received: Array<{ type: string; text?: string; stage?: string; fallback?: boolean; reason?: string }> = [];
    socket.on('message', (data) => received.push(JSON.parse(String(data)) as (typeof received)[number]));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => socket.once('close', resolve));
    for (const [i, text] of SPAM_CALLER.entries()) {
      if (received.some((m) => m.type === 'call_end')) break;
      const answered = received.filter((m) => m.type === 'ai_response').length;
      socket.send(JSON.stringify({ type: 'transcript', text, final: true, seq: i + 1 }));
      const deadline = Date.now() + 10_000;
      while (received.filter((m) => m.type === 'ai_response').length === answered) {
        assert.ok(Date.now() < deadline, `no answer to turn ${i + 1}: ${JSON.stringify(received.at(-1))}`);
        await sleep(20);
      }
    }
    assert.equal(await Promise.race([closed, sleep(10_000).then(() => 'still open')]), 1000, 'the AI ends the call with a normal close');
    return received;
  }

  async function profileOf(from: string, analyzedCalls: number) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const response = await fetch(`${system.url('profile-analytics')}/api/v1/analytics/profile/${encodeURIComponent(from)}`, { headers: auth }).catch(() => undefined);
      if (response?.ok) {
        const profile = CallerProfileSchema.parse(await response.json());
        if (profile.reaction.analyzedCalls >= analyzedCalls) return profile;
      } else await response?.body?.cancel();
      assert.ok(Date.now() < deadline, `the call from ${from} was not analysed within 30 s`);
      await sleep(200);
    }
  }

  it('answers a spam call by the AI until it hangs up, analyses it into the caller’s profile and the user’s trends', async () => {
    const spammer = phone();
    const call = await incoming(spammer);
    assert.equal(call.decision, 'ai_answer');
    const messages = await converse(call);
    const replies = messages.filter((m) => m.type === 'ai_response');
    assert.ok(replies.length >= 3, `several turns (${replies.length})`);
    assert.ok(replies.every((r) => !r.fallback), 'conversation-engine answered every turn');
    assert.equal(new Set(replies.map((r) => r.text)).size, replies.length, 'the AI never repeats itself');
    assert.equal(replies.at(-1)!.stage, 'hang_up');
    assert.equal(messages.at(-1)!.type, 'call_end');

    const profile = await profileOf(spammer, 1);
    assert.equal(profile.category, 'investment');
    assert.ok(profile.reaction.persistence > 0);
    assert.ok(profile.lastSummary);
    const trends = await json<{ totals: { ai_answered: number } }>(await fetch(`${system.url('profile-analytics')}/api/v1/analytics/trends/${userId}?days=1`, { headers: auth }));
    assert.ok(trends.totals.ai_answered >= 1);

    // The user marks the call wanted: the same caller is put through next time.
    await json(await post(`${system.url('smart-whitelist')}/api/v1/whitelist/learning`, { userId, phone: spammer, feedback: 'wanted', callId: call.callId }, auth));
    assert.equal((await incoming(spammer)).decision, 'transfer');
  });

  it('puts a whitelisted contact through', async () => {
    const call = await incoming(contact);
    assert.equal(call.decision, 'transfer');
    assert.equal(call.realtime, undefined);
  });

  it('still handles a call with smart-whitelist stopped, and says so', async () => {
    await system.stop('smart-whitelist');
    try {
      const call = await incoming(contact);
      assert.equal(call.decision, 'ai_answer', 'without the whitelist the user’s default for unknown callers applies');
      assert.match(call.reasons.join(' '), /smart-whitelist did not answer/);
    } finally {
      await system.restart('smart-whitelist');
    }
    assert.equal((await incoming(contact)).decision, 'transfer', 'back to normal once it returns');
  });

  it('analyses a call that completed while profile-analytics was away, once it returns', async () => {
    const spammer = phone();
    await system.stop('profile-analytics');
    try {
      const call = await incoming(spammer);
      assert.equal(call.decision, 'ai_answer');
      await converse(call);
    } finally {
      await system.restart('profile-analytics');
    }
    const profile = await profileOf(spammer, 1);
    assert.equal(profile.callCount, 1);
  });
});
