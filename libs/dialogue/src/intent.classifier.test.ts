import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyIntent } from './intent.classifier.js';
import { createSpellCorrector, MAX_UTTERANCE_CHARS, normalizeUtterance, withinOneEdit } from './text.normalizer.js';

describe('intent classifier', () => {
  it('reads the language: zh, en, and mixed only when both have a real share', () => {
    assert.equal(classifyIntent('您好，我们这边是银行信用卡中心').language, 'zh');
    assert.equal(classifyIntent('hello this is the bank').language, 'en');
    assert.equal(classifyIntent('我们这个项目ROI非常高 你要不要invest一点').language, 'mixed');
    // one acronym in a Chinese sentence is still Chinese
    assert.equal(classifyIntent('我们这边办理VIP会员卡，现在有很大的优惠活动').language, 'zh');
  });

  it('returns the cues it found, the winning intent’s first', () => {
    const result = classifyIntent('您的账户涉嫌洗钱，需要配合调查转账到安全账户');
    assert.equal(result.intent, 'scam');
    for (const cue of ['安全账户', '洗钱', '配合调查', '转账']) assert.ok(result.matched.includes(cue), cue);
    assert.ok(result.confidence > 0.9 && result.confidence <= 1);
  });

  it('is as sure as the margin: a tie is 0.5, nothing at all is other', () => {
    const nothing = classifyIntent('');
    assert.equal(nothing.intent, 'other');
    assert.deepEqual(nothing.matched, []);
    assert.equal(nothing.hasLetters, false);
    const weak = classifyIntent('喂？'); // greeting 喂 against the question mark
    assert.equal(weak.confidence, 0.5);
    const strong = classifyIntent('just one minute, please hear me out, don’t hang up');
    assert.equal(strong.intent, 'persistence');
    assert.ok(strong.confidence > weak.confidence);
  });

  it('is indifferent to case, full-width forms and punctuation, as telephony ASR varies them', () => {
    for (const variant of ['JUST ONE MINUTE', 'just one minute', 'Just one minute!!!', 'ｊｕｓｔ　ｏｎｅ　ｍｉｎｕｔｅ', 'just, one... minute?']) {
      assert.equal(classifyIntent(variant).intent, 'persistence', variant);
    }
  });

  it('reads traditional characters like simplified ones', () => {
    assert.equal(classifyIntent('您好，我們這邊是銀行信用卡中心，給您辦理額度提升').intent, 'loan');
    assert.equal(classifyIntent('您的帳戶涉嫌洗錢，請轉賬到安全帳戶').intent, 'scam');
  });

  it('tolerates an English slip one letter away from a cue word', () => {
    const result = classifyIntent('we can lower your insurence premuim today');
    assert.equal(result.intent, 'insurance');
    assert.ok(result.matched.includes('insurance'));
  });

  it('does not "correct" common words into cue words', () => {
    assert.equal(classifyIntent('honey I am home').intent, 'other');
  });

  it('keeps the topic when the intent is a push about a product', () => {
    const result = classifyIntent('please hear me out, our loan is different');
    assert.equal(result.intent, 'persistence');
    assert.equal(result.topic, 'loan');
    assert.equal(classifyIntent('are you there?').topic, null);
  });

  it('lets a scam script win over the product it pretends to offer', () => {
    assert.equal(classifyIntent('您好，您在我们平台开通了校园贷，不注销的话会影响征信').intent, 'scam');
    assert.equal(classifyIntent('your loan is approved, just buy gift cards to pay the fee').intent, 'scam');
  });

  it('treats a greeting that opens a pitch as the pitch', () => {
    assert.equal(classifyIntent('您好').intent, 'greeting');
    assert.equal(classifyIntent('您好，我们是做红木家具的，新到了一批货').intent, 'sales');
  });

  it('does not take a product claim about minutes for a request for time', () => {
    assert.notEqual(classifyIntent('急用钱找我们，十分钟到账').intent, 'persistence');
    assert.equal(classifyIntent('就给我两分钟').intent, 'persistence');
  });

  it('reads only the first MAX_UTTERANCE_CHARS characters of a huge utterance', () => {
    const huge = `${'嗯'.repeat(MAX_UTTERANCE_CHARS)}洗钱安全账户`;
    assert.equal(classifyIntent(huge).intent, 'other');
  });
});

describe('text normaliser', () => {
  it('withinOneEdit accepts one insertion, deletion, substitution or swap and nothing more', () => {
    for (const [a, b] of [['insurance', 'insurence'], ['insurance', 'insurnace'], ['loan', 'loans'], ['premium', 'premum'], ['same', 'same']]) {
      assert.equal(withinOneEdit(a!, b!), true, `${a} ~ ${b}`);
    }
    for (const [a, b] of [['insurance', 'insrnce'], ['crate', 'rates'], ['money', 'honeys']]) assert.equal(withinOneEdit(a!, b!), false, `${a} !~ ${b}`);
  });

  it('the corrector changes unknown long words only, and only to a word one edit away', () => {
    const correct = createSpellCorrector(['insurance', 'mortgage', 'money'], ['honey']);
    assert.equal(correct('insurence'), 'insurance');
    assert.equal(correct('morgage'), 'mortgage');
    assert.equal(correct('honey'), 'honey');
    assert.equal(correct('mony'), 'mony'); // four letters: never corrected
    assert.equal(correct('xylophone'), 'xylophone');
  });

  it('drops apostrophes so that "don\'t" and "dont" read the same, and keeps the raw text', () => {
    const text = normalizeUtterance("  Don't HANG up!  ");
    assert.equal(text.padded, ' dont hang up ');
    assert.equal(text.raw, "Don't HANG up!");
  });
});
