import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarizeTranscript, summarizeTurns } from './call.summarizer.js';

describe('call summary', () => {
  it('names the dominant category, the share of pushes, the turn count and how the call ended', () => {
    const summary = summarizeTurns(
      [
        { intent: 'greeting', topic: null },
        { intent: 'loan', topic: 'loan' },
        { intent: 'persistence', topic: 'loan' },
        { intent: 'persistence', topic: null, emotion: 'frustrated' },
        { intent: 'insurance', topic: 'insurance' },
      ],
      { stage: 'hang_up', endReason: 'caller_insisted' },
    );
    assert.equal(summary.category, 'loan');
    assert.equal(summary.persistenceScore, 0.4);
    assert.equal(summary.turns, 5);
    assert.equal(summary.ended, 'caller_insisted');
    assert.equal(summary.intents.persistence, 2);
    assert.equal(summary.emotions.frustrated, 1);
    assert.equal(summary.scamDetected, false);
  });

  it('gives scam a tie and flags it even when another category dominates', () => {
    const tie = summarizeTurns([{ intent: 'investment', topic: 'investment' }, { intent: 'scam', topic: 'scam' }], { stage: 'firm_rejection', endReason: null });
    assert.equal(tie.category, 'scam');
    assert.equal(tie.ended, 'ongoing');
    const minority = summarizeTurns(
      [{ intent: 'investment', topic: 'investment' }, { intent: 'investment', topic: 'investment' }, { intent: 'persistence', topic: 'scam' }],
      { stage: 'handling', endReason: null },
    );
    assert.equal(minority.category, 'investment');
    assert.equal(minority.scamDetected, true);
  });

  it('is unknown with nothing to go on, and zero for an empty call', () => {
    const empty = summarizeTurns([], { stage: 'initial', endReason: null });
    assert.equal(empty.category, 'unknown');
    assert.equal(empty.persistenceScore, 0);
    assert.equal(empty.turns, 0);
    assert.equal(summarizeTurns([{ intent: 'greeting', topic: null }], { stage: 'initial', endReason: null }).category, 'unknown');
  });

  it('summarises a transcript with the embedded model', () => {
    const summary = summarizeTranscript(['喂，你好', '我们这边有个理财产品，年化收益百分之八', '您先别挂，听我说完', '为什么不呢', '就一分钟']);
    assert.equal(summary.category, 'investment');
    assert.equal(summary.turns, 5);
    assert.equal(summary.persistenceScore, 0.6);
    assert.equal(summary.ended, 'caller_insisted');
  });
});
