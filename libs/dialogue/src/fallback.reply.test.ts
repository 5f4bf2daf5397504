import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fallbackReply } from './fallback.reply.js';

describe('fallback reply', () => {
  it('keeps the call going with a different line each turn, then ends it', () => {
    const replies = [1, 2, 3, 4].map((turn) => fallbackReply({ turn, utterance: 'hi this is Mike from SolarMax' }));
    assert.equal(new Set(replies.map((reply) => reply.text)).size, 4);
    assert.deepEqual(replies.map((reply) => reply.shouldTerminate), [false, false, false, true]);
    assert.ok(replies.every((reply) => reply.language === 'en'));
  });

  it('answers in Chinese when the caller speaks Chinese, and when nothing is known', () => {
    assert.equal(fallbackReply({ turn: 1, utterance: '您好，我们这边是银行的' }).language, 'zh');
    assert.equal(fallbackReply({ turn: 1 }).language, 'zh');
    assert.equal(fallbackReply({ turn: 1, utterance: '您好', language: 'en' }).language, 'en');
  });

  it('stays on the goodbye past the script and survives nonsense turn numbers', () => {
    assert.equal(fallbackReply({ turn: 99 }).shouldTerminate, true);
    assert.equal(fallbackReply({ turn: Number.NaN }).id, 'fallback.zh.0');
    assert.equal(fallbackReply({ turn: -3 }).id, 'fallback.zh.0');
  });
});
