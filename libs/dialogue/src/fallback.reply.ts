import type { ReplyLanguage } from './types.js';

// NOTE: realtime-processor needs this when conversation-engine is slow or down; it lives here until a shared lib
// (e.g. libs/conversation-kit) exists, then moves there. Keep it free of imports beyond ./types.js so the move is a copy.

/** A scripted reply for a turn the engine could not answer. */
export interface FallbackReply {
  readonly id: string;
  readonly text: string;
  readonly language: ReplyLanguage;
  /** True on the script's last line: say it, then hang up. */
  readonly shouldTerminate: boolean;
}

const SCRIPT: Readonly<Record<ReplyLanguage, readonly string[]>> = {
  en: [
    "Hello, the person you are calling can't take the call right now. What is it about?",
    "Thank you. They aren't taking offers by phone, but I can pass on a short message.",
    "I've noted that. If it's important, please send it in writing.",
    'Thank you for calling. Goodbye.',
  ],
  zh: [
    '您好，机主现在不方便接听，请问有什么事？',
    '好的，推销类的业务我们不需要，如果是私事我可以帮您转达。',
    '我记下了，重要的事情请发短信说明。',
    '感谢来电，再见。',
  ],
};

const HAN = /\p{Script=Han}/u;

/**
 * The scripted reply for turn `turn` (1-based) when the engine cannot be reached: a short, safe, non-committal script
 * that keeps the call going for a few turns and then ends it. It reads no intent (the classifier may be the part that
 * is down); the language is the one given, else Chinese when the utterance has Chinese characters, else English.
 * Every turn of the script has its own line, so a call never hears one twice; past the end it repeats the goodbye.
 */
export function fallbackReply(input: { readonly turn: number; readonly utterance?: string; readonly language?: ReplyLanguage }): FallbackReply {
  const language = input.language ?? (input.utterance !== undefined && HAN.test(input.utterance) ? 'zh' : input.utterance !== undefined ? 'en' : 'zh');
  const lines = SCRIPT[language];
  const turn = Number.isFinite(input.turn) ? Math.floor(input.turn) : 1;
  const index = Math.min(Math.max(1, turn), lines.length) - 1;
  return { id: `fallback.${language}.${index}`, text: lines[index]!, language, shouldTerminate: index === lines.length - 1 };
}
