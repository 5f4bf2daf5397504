import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Conversation, type ConversationState } from './conversation.aggregate.js';
import { REPLY_BANK, REPLY_CELLS } from './reply.bank.js';
import { selectReply } from './reply.selector.js';
import { PERSONALITIES, type ReplyLanguage } from './types.js';

const PERSISTENT: Readonly<Record<ReplyLanguage, readonly string[]>> = {
  en: [
    'Hi this is Mike from QuickCash, you are pre-approved for a personal loan',
    'just one minute',
    'please hear me out',
    "why not? it's a great deal",
    "wait, don't hang up",
    'give me a chance to explain',
    "trust me you won't regret it",
    'the loan has the lowest interest rate in town',
    'let me finish, sir',
  ],
  zh: [
    '您好，我们这边是XX银行信用卡中心，给您办理一个额度提升',
    '您先别挂，就耽误您一分钟',
    '听我说完',
    '为什么不呢，真的很划算的',
    '您再考虑考虑嘛，机会难得',
    '先生，您给我一个机会介绍一下',
    '我们的贷款利息真的很低',
    '等一下等一下，我还没说完',
  ],
};

const HAN = /\p{Script=Han}/u;

function fixedClock(start = Date.UTC(2026, 0, 1, 9, 0, 0)) {
  let t = start;
  return () => new Date((t += 1000));
}

describe('Conversation', () => {
  for (const personality of PERSONALITIES) {
    for (const language of ['en', 'zh'] as const) {
      it(`never repeats a reply to a caller who insists for 30 turns (${personality}, ${language})`, () => {
        const call = Conversation.start(`call-${personality}-${language}`, { now: fixedClock() });
        const texts = new Set<string>();
        const ids = new Set<string>();
        const lines = PERSISTENT[language];
        for (let turn = 1; turn <= 30; turn += 1) {
          const result = call.manage(lines[(turn - 1) % lines.length]!, { personality, userName: language === 'en' ? 'Alex' : '李伟' });
          assert.equal(result.turn, turn);
          assert.ok(!texts.has(result.reply.text), `turn ${turn} repeats "${result.reply.text}"`);
          assert.ok(!ids.has(result.reply.id), `turn ${turn} repeats id ${result.reply.id}`);
          texts.add(result.reply.text);
          ids.add(result.reply.id);
          assert.equal(result.reply.language, language);
          assert.equal(HAN.test(result.reply.text), language === 'zh', result.reply.text);
          assert.equal(result.shouldTerminate, result.stage === 'hang_up');
        }
        const stages = call.history.map((record) => record.stage);
        assert.ok(stages.includes('handling') && stages.includes('firm_rejection'), stages.join(' '));
        assert.equal(call.stage, 'hang_up');
        assert.ok(stages.indexOf('hang_up') <= 6, `hangs up by turn 6: ${stages.join(' ')}`);
        assert.equal(call.toJSON().usedReplyIds.length, 30);
      });
    }
  }

  it('answers a scam with a warning first, then hangs up when it goes on', () => {
    const call = Conversation.start('scam-call');
    const first = call.manage('您的账户涉嫌洗钱，需要配合调查转账到安全账户', { personality: 'polite' });
    assert.equal(first.intent, 'scam');
    assert.equal(first.stage, 'firm_rejection');
    assert.equal(first.shouldTerminate, false);
    assert.match(first.reply.id, /firm_rejection\.scam/);
    assert.match(first.reply.text, /诈骗|转账|验证码/);
    const second = call.manage('你必须马上把钱转到安全账户，否则冻结', { personality: 'polite' });
    assert.equal(second.stage, 'hang_up');
    assert.equal(second.shouldTerminate, true);
    assert.match(second.reply.id, /hang_up\.scam/);
    assert.equal(call.summary().ended, 'scam');
  });

  it('says goodbye politely when the caller gives up', () => {
    const call = Conversation.start('bye-call');
    call.manage('hi, we have a special offer on solar panels', { personality: 'professional' });
    const bye = call.manage('ok, never mind, bye', { personality: 'professional' });
    assert.equal(bye.stage, 'hang_up');
    assert.equal(bye.shouldTerminate, true);
    assert.match(bye.reply.id, /hang_up\.goodbye/);
    assert.deepEqual(bye.reasons, ['the caller said goodbye: hang up politely']);
  });

  it('answers in the caller’s language turn by turn, Chinese for mixed, and keeps it for a turn with nothing to read', () => {
    const call = Conversation.start('lang-call');
    const options = { personality: 'direct' } as const;
    assert.equal(call.manage('hello', options).reply.language, 'en');
    assert.equal(call.manage('...', options).reply.language, 'en');
    assert.equal(call.manage('我们这个项目ROI非常高 你要不要invest一点', options).reply.language, 'zh');
    assert.equal(call.manage('   ', options).reply.language, 'zh');
    assert.equal(Conversation.start('x').manage('', { personality: 'direct', defaultLanguage: 'en' }).reply.language, 'en');
  });

  it('fills in the user’s name and the caller’s category', () => {
    const texts: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const call = Conversation.start(`name-${i}`);
      texts.push(call.manage('hello', { personality: 'professional', userName: 'Alex Chen' }).reply.text);
    }
    assert.ok(texts.some((text) => text.includes('Alex Chen')), texts.join(' | '));
    for (const text of texts) assert.doesNotMatch(text, /\{user\}|\{category\}/);
    const reply = selectReply({ personality: 'polite', language: 'en', stage: 'handling', intent: 'insurance', endReason: null, category: 'insurance', used: new Set(), seed: 's', turn: 1 });
    assert.doesNotMatch(reply.text, /\{|\}/);
  });

  it('capitalises a sentence that starts with the default user', () => {
    const used = new Set<string>();
    for (let turn = 1; turn <= 4; turn += 1) {
      const reply = selectReply({ personality: 'polite', language: 'en', stage: 'initial', intent: 'greeting', endReason: null, category: 'unknown', used, seed: 'cap', turn });
      used.add(reply.id);
      assert.doesNotMatch(reply.text, /(^|[.!?] )the owner/, reply.text);
    }
  });

  it('keeps its whole state as plain JSON and carries on from it without repeating itself', () => {
    const clock = fixedClock();
    const call = Conversation.start('json-call', { now: clock });
    const lines = PERSISTENT.en;
    for (let turn = 0; turn < 4; turn += 1) call.manage(lines[turn]!, { personality: 'humorous' });
    const stored = JSON.parse(JSON.stringify(call.toJSON())) as ConversationState;
    assert.deepEqual(stored, call.toJSON());
    const resumed = Conversation.fromJSON(stored, { now: clock });
    const seen = new Set(stored.history.map((record) => record.reply.text));
    for (let turn = 4; turn < 12; turn += 1) {
      const result = resumed.manage(lines[turn % lines.length]!, { personality: 'humorous' });
      assert.ok(!seen.has(result.reply.text), result.reply.text);
      seen.add(result.reply.text);
    }
    assert.equal(resumed.history.length, 12);
    assert.throws(() => Conversation.fromJSON({ ...stored, version: 2 as 1 }), /version/);
  });

  it('records each turn with its time, intent, emotion, stages, reply and reasons', () => {
    const call = Conversation.start('history-call', { now: fixedClock(Date.UTC(2026, 0, 1, 9, 0, 0)) });
    call.manage('喂，你好', { personality: 'polite' });
    call.manage('搞什么啊，烦死了，你是谁', { personality: 'polite' });
    const [first, second] = call.history;
    assert.equal(first!.at, '2026-01-01T09:00:02.000Z');
    assert.equal(first!.intent, 'greeting');
    assert.equal(first!.stageBefore, 'initial');
    assert.equal(second!.intent, 'question');
    assert.equal(second!.emotion, 'frustrated');
    assert.ok(second!.emotionIntensity > 0);
    assert.equal(second!.utterance, '搞什么啊，烦死了，你是谁');
    assert.ok(second!.reasons.length > 0);
    assert.equal(call.toJSON().startedAt, '2026-01-01T09:00:01.000Z');
  });

  it('terminate ends the call from outside and the summary says so', () => {
    const call = Conversation.start('term-call');
    call.manage('hi, I am calling about your car insurance', { personality: 'direct' });
    const ended = call.terminate();
    assert.equal(ended.stage, 'hang_up');
    assert.equal(ended.endReason, 'terminated');
    assert.equal(call.ended, true);
    const summary = call.summary();
    assert.equal(summary.ended, 'terminated');
    assert.equal(summary.category, 'insurance');
    assert.ok(summary.endedAt);
  });
});

describe('reply bank and selection', () => {
  it('has at least three lines for every personality, language and cell, with no duplicate and only known placeholders', () => {
    for (const personality of PERSONALITIES) {
      for (const language of ['en', 'zh'] as const) {
        const voice = REPLY_BANK[personality][language];
        assert.ok(voice.openers.length >= 3 && voice.closers.length >= 3, `${personality}.${language} openers/closers`);
        const all: string[] = [];
        for (const cell of REPLY_CELLS) {
          const lines = voice.lines[cell];
          assert.ok(lines.length >= 3, `${personality}.${cell}.${language} has ${lines.length} lines`);
          all.push(...lines);
        }
        assert.equal(new Set(all).size, all.length, `${personality}.${language} has a duplicate line`);
        for (const line of all) for (const placeholder of line.match(/\{[^}]*\}/g) ?? []) assert.ok(['{user}', '{category}'].includes(placeholder), line);
        for (const line of all) assert.equal(HAN.test(line), language === 'zh', line);
      }
    }
  });

  it('still finds a reply never said before after hundreds of turns in one cell', () => {
    const used = new Set<string>();
    const texts = new Set<string>();
    for (let turn = 1; turn <= 300; turn += 1) {
      const reply = selectReply({ personality: 'direct', language: 'zh', stage: 'hang_up', intent: 'persistence', endReason: 'caller_insisted', category: 'loan', used, seed: 'long', turn });
      assert.equal(reply.repeated, false, `turn ${turn}`);
      assert.ok(!texts.has(reply.text), `turn ${turn}: ${reply.text}`);
      used.add(reply.id);
      texts.add(reply.text);
    }
  });

  it('varies the first reply between calls but is deterministic for one call', () => {
    const pick = (seed: string) =>
      selectReply({ personality: 'polite', language: 'en', stage: 'handling', intent: 'loan', endReason: null, category: 'loan', used: new Set(), seed, turn: 2 }).id;
    assert.equal(pick('call-a'), pick('call-a'));
    const ids = new Set(Array.from({ length: 20 }, (_, i) => pick(`call-${i}`)));
    assert.ok(ids.size > 1);
  });
});
