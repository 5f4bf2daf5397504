import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectLanguage, SCRIPTED_LINES_PER_LANGUAGE, ScriptedReplies } from './scripted-replies.js';

describe('scripted replies', () => {
  it('answers in Chinese when the caller speaks Chinese, in English otherwise', () => {
    assert.equal(detectLanguage('您好，我是银行的'), 'zh');
    assert.equal(detectLanguage('Hello, this is your bank'), 'en');
    assert.equal(detectLanguage('OK，好的'), 'zh');
  });

  it('never repeats a line within a call, then says goodbye and hangs up', () => {
    const replies = new ScriptedReplies();
    const lines = Array.from({ length: SCRIPTED_LINES_PER_LANGUAGE }, () => replies.next('hello'));
    assert.ok(lines.every((line) => !line.hangup && line.language === 'en'));
    assert.equal(new Set(lines.map((line) => line.text)).size, SCRIPTED_LINES_PER_LANGUAGE);
    const goodbye = replies.next('hello again');
    assert.equal(goodbye.hangup, true);
    assert.match(goodbye.text, /Goodbye/);
  });

  it('counts each language on its own, and each call on its own', () => {
    const call = new ScriptedReplies();
    for (let i = 0; i < SCRIPTED_LINES_PER_LANGUAGE; i++) call.next('hello');
    assert.equal(call.next('喂？').hangup, false, 'the Chinese lines are not spent by English ones');
    assert.equal(new ScriptedReplies().next('hello').hangup, false);
  });
});
