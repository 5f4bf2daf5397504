/** What a caller's utterance is about or does. The first five are call categories (what the caller sells). */
export const INTENTS = ['sales', 'loan', 'investment', 'insurance', 'scam', 'question', 'persistence', 'goodbye', 'greeting', 'other'] as const;
export type Intent = (typeof INTENTS)[number];

/** What a call is about: the intents that name a product or a fraud. */
export const CATEGORIES = ['sales', 'loan', 'investment', 'insurance', 'scam'] as const;
export type Category = (typeof CATEGORIES)[number];

/** The language an utterance is in; `mixed` has both Chinese characters and English words in a real share. */
export type UtteranceLanguage = 'zh' | 'en' | 'mixed';
/** The language a reply is written in. */
export type ReplyLanguage = 'zh' | 'en';

/** The user's chosen answering style. */
export const PERSONALITIES = ['polite', 'direct', 'humorous', 'professional'] as const;
export type Personality = (typeof PERSONALITIES)[number];

/** Dialogue stages, in the order a call moves through them (issue 5: initial → handling → firm rejection → hang up). */
export const STAGES = ['initial', 'handling', 'firm_rejection', 'hang_up'] as const;
export type Stage = (typeof STAGES)[number];

export const EMOTIONS = ['neutral', 'frustrated', 'angry', 'confused', 'pleased'] as const;
export type Emotion = (typeof EMOTIONS)[number];

export function isCategory(intent: string): intent is Category {
  return (CATEGORIES as readonly string[]).includes(intent);
}
