import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectEmotion } from './emotion.detector.js';
import type { Emotion } from './types.js';

const TABLE: readonly (readonly [string, Emotion])[] = [
  ['滚！', 'angry'],
  ['你有病吧，神经病', 'angry'],
  ['you idiot, shut up', 'angry'],
  ['搞什么啊，烦死了', 'frustrated'],
  ['我都说了不需要，说了多少遍了', 'frustrated'],
  ['I already told you, stop calling me', 'frustrated'],
  ['no no no', 'frustrated'],
  ['不要不要不要', 'frustrated'],
  ['什么意思？我听不懂', 'confused'],
  ['what do you mean, I dont understand', 'confused'],
  ['哈哈，谢谢啊，太好了', 'pleased'],
  ['haha thanks, that sounds good', 'pleased'],
  ['hello this is John from Acme', 'neutral'],
  ['您好，我们这边是做装修的', 'neutral'],
  ['对对对', 'neutral'],
];

describe('emotion detector', () => {
  for (const [utterance, emotion] of TABLE) {
    it(`reads "${utterance}" as ${emotion}`, () => {
      const reading = detectEmotion(utterance);
      assert.equal(reading.emotion, emotion, JSON.stringify(reading));
      if (emotion === 'neutral') assert.equal(reading.intensity, 0);
      else assert.ok(reading.intensity > 0 && reading.intensity <= 1);
    });
  }

  it('exclamation marks and shouted words raise the intensity', () => {
    const calm = detectEmotion('I already told you, stop calling');
    const loud = detectEmotion('I ALREADY TOLD YOU, STOP calling!!!');
    assert.equal(loud.emotion, 'frustrated');
    assert.ok(loud.intensity > calm.intensity, `${loud.intensity} > ${calm.intensity}`);
    assert.ok(loud.cues.includes('caps'));
  });

  it('does not take an all-capitals transcript for shouting (some ASR delivers them so)', () => {
    assert.equal(detectEmotion('HELLO THIS IS MIKE FROM SOLARMAX YOU QUALIFY FOR FREE PANELS').emotion, 'neutral');
  });

  it('shouting with no other cue reads as anger', () => {
    assert.equal(detectEmotion('STOP THIS right now!!').emotion, 'angry');
  });
});
