import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS, initialDialogueState, nextState, terminateState, type DialogueState, type EndReason } from './dialogue.state-machine.js';
import type { IntentClassification } from './intent.classifier.js';
import { isCategory, type Category, type Intent, type Stage } from './types.js';

/** A classification as the classifier would give it; `topic` defaults to the intent when it is a category. */
function said(intent: Intent, topic: Category | null = isCategory(intent) ? intent : null): IntentClassification {
  return { intent, confidence: 0.9, matched: [`cue-for-${intent}`], language: 'en', topic, hasLetters: true };
}

function run(steps: readonly IntentClassification[], from: DialogueState = initialDialogueState()) {
  let state = from;
  const stages: Stage[] = [];
  const reasons: string[] = [];
  steps.forEach((step, index) => {
    const transition = nextState(state, step, index + 1);
    state = transition.state;
    stages.push(state.stage);
    reasons.push(...transition.reasons);
  });
  return { state, stages, reasons };
}

interface Row {
  readonly name: string;
  readonly steps: readonly IntentClassification[];
  readonly stages: readonly Stage[];
  readonly endReason?: EndReason | null;
}

const TABLE: readonly Row[] = [
  { name: 'a greeting stays in initial while the caller has not said what it is about', steps: [said('greeting')], stages: ['initial'] },
  { name: 'a pitch moves initial to handling', steps: [said('greeting'), said('loan')], stages: ['initial', 'handling'] },
  { name: 'two turns of small talk move to handling anyway', steps: [said('greeting'), said('question')], stages: ['initial', 'handling'] },
  { name: 'a push before any pitch moves to handling', steps: [said('persistence')], stages: ['handling'] },
  { name: 'the same pitch again moves handling to firm rejection', steps: [said('sales'), said('sales')], stages: ['handling', 'firm_rejection'] },
  { name: 'a different pitch after the first stays in handling', steps: [said('sales'), said('insurance')], stages: ['handling', 'handling'] },
  { name: 'one push after a pitch stays in handling', steps: [said('loan'), said('persistence')], stages: ['handling', 'handling'] },
  { name: 'a second push moves to firm rejection', steps: [said('loan'), said('persistence'), said('persistence')], stages: ['handling', 'handling', 'firm_rejection'] },
  {
    name: 'persistence that names the same product counts as the same pitch again',
    steps: [said('investment'), said('persistence', 'investment')],
    stages: ['handling', 'firm_rejection'],
  },
  {
    name: 'insisting after the firm rejection hangs up',
    steps: [said('loan'), said('loan'), said('persistence')],
    stages: ['handling', 'firm_rejection', 'hang_up'],
    endReason: 'caller_insisted',
  },
  {
    name: 'pitching again after the firm rejection hangs up',
    steps: [said('loan'), said('loan'), said('insurance')],
    stages: ['handling', 'firm_rejection', 'hang_up'],
    endReason: 'caller_insisted',
  },
  {
    name: 'a question after the firm rejection stays firm',
    steps: [said('loan'), said('loan'), said('question')],
    stages: ['handling', 'firm_rejection', 'firm_rejection'],
  },
  {
    name: 'three quiet turns in firm rejection hang up',
    steps: [said('loan'), said('loan'), said('question'), said('other')],
    stages: ['handling', 'firm_rejection', 'firm_rejection', 'hang_up'],
    endReason: 'turn_limit',
  },
  { name: 'goodbye hangs up politely from initial', steps: [said('goodbye')], stages: ['hang_up'], endReason: 'caller_goodbye' },
  { name: 'goodbye hangs up politely from handling', steps: [said('sales'), said('goodbye')], stages: ['handling', 'hang_up'], endReason: 'caller_goodbye' },
  { name: 'a scam cue moves straight to firm rejection from initial', steps: [said('scam')], stages: ['firm_rejection'], endReason: null },
  { name: 'a scam cue moves straight to firm rejection from handling', steps: [said('sales'), said('scam')], stages: ['handling', 'firm_rejection'] },
  { name: 'scam cues again after the warning hang up', steps: [said('scam'), said('scam')], stages: ['firm_rejection', 'hang_up'], endReason: 'scam' },
  {
    name: 'pushing after a scam warning hangs up as a scam',
    steps: [said('scam'), said('persistence')],
    stages: ['firm_rejection', 'hang_up'],
    endReason: 'scam',
  },
  {
    name: 'five turns in handling without pushing still reach firm rejection',
    steps: [said('sales'), said('question'), said('other'), said('question'), said('other')],
    stages: ['handling', 'handling', 'handling', 'handling', 'firm_rejection'],
  },
  {
    name: 'the call stays hung up whatever the caller says next',
    steps: [said('goodbye'), said('loan'), said('persistence'), said('scam')],
    stages: ['hang_up', 'hang_up', 'hang_up', 'hang_up'],
    endReason: 'caller_goodbye',
  },
];

describe('dialogue state machine', () => {
  for (const row of TABLE) {
    it(row.name, () => {
      const { state, stages, reasons } = run(row.steps);
      assert.deepEqual(stages, row.stages);
      assert.equal(reasons.length >= row.steps.length, true, 'every turn gives a reason');
      if (row.endReason !== undefined) assert.equal(state.endReason, row.endReason);
    });
  }

  it('the turn limit hangs up any call', () => {
    const limits = { ...DEFAULT_LIMITS, maxTurns: 3, handlingTurns: 10 };
    let state = initialDialogueState();
    const stages: Stage[] = [];
    for (let turn = 1; turn <= 3; turn += 1) {
      state = nextState(state, said('question'), turn, limits).state;
      stages.push(state.stage);
    }
    assert.deepEqual(stages, ['initial', 'handling', 'hang_up']);
    assert.equal(state.endReason, 'turn_limit');
  });

  it('counts pitches per category and pushes, and names the scam cues in the reason', () => {
    const { state, reasons } = run([said('loan'), said('persistence', 'loan'), said('insurance')]);
    assert.deepEqual(state.topics, { loan: 2, insurance: 1 });
    const scam = nextState(initialDialogueState(), { ...said('scam'), matched: ['安全账户', '转账', 'loan:贷'] }, 1);
    assert.match(scam.reasons[0]!, /安全账户, 转账/);
    assert.doesNotMatch(scam.reasons[0]!, /loan:贷/);
    assert.equal(scam.state.scamWarned, true);
    assert.ok(reasons.some((reason) => /same loan pitch/.test(reason)));
  });

  it('does not change the state it is given (pure)', () => {
    const before = initialDialogueState();
    const copy = structuredClone(before);
    nextState(before, said('loan'), 1);
    assert.deepEqual(before, copy);
  });

  it('terminate hangs up from any stage and keeps an earlier end reason', () => {
    const handling = run([said('sales')]).state;
    assert.equal(terminateState(handling).state.stage, 'hang_up');
    assert.equal(terminateState(handling).state.endReason, 'terminated');
    const ended = run([said('goodbye')]).state;
    assert.equal(terminateState(ended).state.endReason, 'caller_goodbye');
  });
});
