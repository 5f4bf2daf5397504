import { DialogueStageSchema, EmotionSchema, IntentSchema, PersonalitySchema } from '@ai-ninja/contracts';

/** What a caller's utterance is about or does. The first five are call categories (what the caller sells). */
export const INTENTS = IntentSchema.options;
export type Intent = (typeof INTENTS)[number];

/** What a call is about: the intents that name a product or a fraud. */
export const CATEGORIES = ['sales', 'loan', 'investment', 'insurance', 'scam'] as const;
export type Category = (typeof CATEGORIES)[number];

/** The language an utterance is in; `mixed` has both Chinese characters and English words in a real share. */
export type UtteranceLanguage = 'zh' | 'en' | 'mixed';
/** The language a reply is written in. */
export type ReplyLanguage = 'zh' | 'en';

/** The user's chosen answering style. */
export const PERSONALITIES = PersonalitySchema.options;
export type Personality = (typeof PERSONALITIES)[number];

/** Dialogue stages, in the order a call moves through them (issue 5: initial → handling → firm rejection → hang up). */
export const STAGES = DialogueStageSchema.options;
export type Stage = (typeof STAGES)[number];

export const EMOTIONS = EmotionSchema.shape.emotion.options;
export type Emotion = (typeof EMOTIONS)[number];

export function isCategory(intent: string): intent is Category {
  return (CATEGORIES as readonly string[]).includes(intent);
}
