/**
 * The safe replies that keep a call going when conversation-engine is slow or away: neutral lines that fit any
 * caller, in Chinese or English after the caller's language, never repeated within a call. When a call has used
 * every line, the scripted reply says goodbye and hangs up rather than loop.
 */

export type Language = 'zh' | 'en';

const LINES: Readonly<Record<Language, readonly string[]>> = {
  en: [
    'Sorry, could you say that again?',
    'I see. Go on.',
    'Thank you, I have noted that.',
    'Hmm, I am not sure I follow. What exactly is this about?',
    'Right. And who did you say you are calling from?',
    'Okay. I will pass that on.',
    'I understand. Is there anything else?',
    'Sorry, the line is not very clear. Please continue.',
  ],
  zh: [
    '不好意思，您能再说一遍吗？',
    '嗯，您继续说。',
    '好的，我记下了。',
    '我不太明白，您具体是什么事？',
    '请问您是哪里打来的？',
    '好的，我会转告的。',
    '明白了，还有别的事吗？',
    '抱歉，信号不太好，您请说。',
  ],
};

const GOODBYES: Readonly<Record<Language, string>> = {
  en: 'Sorry, they are not available right now. Goodbye.',
  zh: '不好意思，他现在不方便接电话。再见。',
};

/** Han, Hiragana/Katakana, Hangul, CJK punctuation and full-width forms: a caller speaking Chinese (or close to it). */
const CJK = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/u;

/** The caller's language as far as the replies go: Chinese when the utterance has CJK characters, else English. */
export function detectLanguage(text: string): Language {
  return CJK.test(text) ? 'zh' : 'en';
}

/** One call's scripted replies: each line at most once, then a goodbye that hangs up. */
export class ScriptedReplies {
  readonly #used: Record<Language, number> = { en: 0, zh: 0 };

  /** The next line for an utterance; `hangup` once the bank of its language is spent. */
  next(utterance: string): { text: string; hangup: boolean; language: Language } {
    const language = detectLanguage(utterance);
    const lines = LINES[language];
    const index = this.#used[language];
    if (index >= lines.length) return { text: GOODBYES[language], hangup: true, language };
    this.#used[language] = index + 1;
    return { text: lines[index]!, hangup: false, language };
  }
}

/** How many lines each language has before the goodbye (for tests and the README). */
export const SCRIPTED_LINES_PER_LANGUAGE = Math.min(LINES.en.length, LINES.zh.length);
