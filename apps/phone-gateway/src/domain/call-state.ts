import type { CallDecision, CallState } from '@ai-ninja/contracts';

/** What the API can do to a call. */
export type CallAction = 'answer' | 'transfer' | 'hangup' | 'filter';

/** The state a call starts in, from its decision. */
export const INITIAL_STATE: Readonly<Record<CallDecision, CallState>> = {
  transfer: 'transferring',
  ai_answer: 'ai_answering',
  reject: 'rejected',
};

/**
 * The allowed transitions. `answer` hands the call to the AI, `transfer` rings the user, `filter` blocks it while it
 * is still open, `hangup` ends it. A completed call moves no more.
 */
const TRANSITIONS: Readonly<Record<CallAction, { readonly from: readonly CallState[]; readonly to: CallState }>> = {
  answer: { from: ['incoming', 'transferring'], to: 'ai_answering' },
  transfer: { from: ['incoming', 'ai_answering', 'transferring'], to: 'transferred' },
  filter: { from: ['incoming', 'ai_answering', 'transferring'], to: 'filtered' },
  hangup: { from: ['incoming', 'transferring', 'transferred', 'ai_answering', 'filtered', 'rejected'], to: 'completed' },
};

/** The state after `action`, or undefined when `action` is not allowed from `state`. */
export function transition(state: CallState, action: CallAction): CallState | undefined {
  const rule = TRANSITIONS[action];
  return rule.from.includes(state) ? rule.to : undefined;
}

/** How a call ended for the user, from the state it was in when it completed. */
export function outcomeOf(state: CallState): 'transferred' | 'ai_answered' | 'blocked' {
  if (state === 'transferred' || state === 'transferring') return 'transferred';
  if (state === 'ai_answering') return 'ai_answered';
  return 'blocked';
}
