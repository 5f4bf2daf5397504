import { normalizeForModel } from './intent.classifier.js';
import type { Cue } from './intent.cues.js';
import type { NormalizedText } from './text.normalizer.js';
import type { Emotion } from './types.js';

/** The caller's emotion in one utterance. */
export interface EmotionReading {
  readonly emotion: Emotion;
  /** 0 for neutral; otherwise about 0.3 (one cue) up to 1 (insults, shouted). */
  readonly intensity: number;
  /** The cues found ("滚", "caps", "!!", "repeat:no"). */
  readonly cues: readonly string[];
}

type Felt = Exclude<Emotion, 'neutral'>;

const EMOTION_CUES: Readonly<Record<Felt, { zh: readonly Cue[]; en: readonly Cue[] }>> = {
  angry: {
    zh: [
      ['滚', 3], ['傻逼', 3], ['傻', 1.5], ['妈的', 3], ['他妈', 3], ['你妈', 3], ['神经病', 2.5], ['有病', 2], ['去死', 3],
      ['混蛋', 3], ['王八蛋', 3], ['闭嘴', 2.5], ['找死', 3], ['骗子', 2], ['废物', 2.5], ['蠢', 2], ['垃圾', 2], ['恶心', 2],
      ['我操', 3], ['卧槽', 2], ['投诉你', 2], ['报警', 1.5],
    ],
    en: [
      ['idiot', 3], ['stupid', 2.5], ['moron', 3], ['shut up', 2.5], ['damn', 1.5], ['dammit', 2], ['hell', 1], ['fuck*', 3],
      ['f ck', 3], ['screw you', 3], ['bullshit', 3], ['jerk', 2], ['scumbag', 3], ['liar', 2], ['how dare you', 3],
      ['piss off', 3], ['get lost', 2.5], ['scammer', 2], ['report you', 2],
    ],
  },
  frustrated: {
    zh: [
      ['烦', 2], ['烦死了', 1.5], ['搞什么', 2.5], ['怎么回事', 1.5], ['我都说了', 2.5], ['说了多少遍', 3], ['说过了', 2],
      ['唉', 1.5], ['真是的', 2], ['浪费时间', 2.5], ['有完没完', 3], ['怎么又', 2], ['又是', 1], ['够了', 2.5], ['别烦', 2],
      ['受不了', 2.5], ['无语', 2], ['服了', 2], ['到底', 1], ['能不能', 1], ['没空', 1.5],
    ],
    en: [
      ['already told you', 3], ['i told you', 2.5], ['again', 1], ['seriously', 1.5], ['come on', 1.5], ['ugh', 2],
      ['enough', 2], ['how many times', 3], ['not again', 2.5], ['annoying', 2.5], ['waste of time', 2.5],
      ['wasting my time', 3], ['stop calling', 2.5], ['leave me alone', 2.5], ['for the last time', 2.5], ['sigh', 1.5],
      ['give me a break', 2], ['busy', 1],
    ],
  },
  confused: {
    zh: [
      ['什么意思', 2.5], ['听不懂', 2.5], ['不明白', 2.5], ['没听清', 2], ['啥', 1.5], ['你说啥', 1], ['搞不懂', 2.5],
      ['蒙了', 2], ['怎么会', 1.5], ['不懂', 1.5], ['什么东西', 1.5], ['没听懂', 2.5], ['哪个', 1],
    ],
    en: [
      ['what do you mean', 3], ['i dont understand', 3], ['dont understand', 2], ['huh', 2], ['pardon', 1.5],
      ['confused', 2.5], ['come again', 2], ['i dont get it', 3], ['what are you talking about', 3], ['not sure what', 2],
      ['sorry what', 2],
    ],
  },
  pleased: {
    zh: [
      ['谢谢', 1.5], ['太好了', 2.5], ['好的好的', 1.5], ['哈哈', 2], ['不错', 1.5], ['开心', 2], ['棒', 2], ['感谢', 1.5],
      ['真好', 2], ['满意', 2], ['好啊', 1.5], ['可以可以', 1.5],
    ],
    en: [
      ['thanks', 1.5], ['thank you', 1.5], ['great', 1.5], ['awesome', 2.5], ['perfect', 2], ['wonderful', 2.5],
      ['glad', 2], ['happy', 1.5], ['haha', 2], ['ha ha', 1.5], ['lol', 2], ['excellent', 2.5], ['sounds good', 2], ['nice', 1],
      ['lovely', 2],
    ],
  },
};

const COMPILED = (Object.keys(EMOTION_CUES) as Felt[]).map((emotion) => ({
  emotion,
  zh: EMOTION_CUES[emotion].zh,
  en: EMOTION_CUES[emotion].en.map(([pattern, weight]) => [pattern.endsWith('*') ? ` ${pattern.slice(0, -1)}` : ` ${pattern} `, weight, pattern] as const),
}));

/** Below this score the utterance reads as neutral. */
const MIN_SCORE = 1.2;
/** Acronyms that are upper case in normal writing and say nothing about shouting. */
const ACRONYMS = new Set(['OK', 'ATM', 'APR', 'IRS', 'ID', 'SMS', 'USA', 'VIP', 'APP', 'TV', 'AI', 'PIN', 'IPO', 'ROI', 'CEO', 'ETC', 'VAT', 'IT', 'I']);

/**
 * Reads the caller's emotion from cues: insults and 滚/神经病 (angry), 烦/搞什么/"I already told you" (frustrated),
 * 什么意思/"what do you mean" (confused), 谢谢/哈哈/"great" (pleased); exclamation marks, words in capitals and
 * a word said three times in a row ("no no no", 不要不要不要) raise the arousal of angry or frustrated.
 *
 * Capitals count only when the utterance also has lower-case words: some telephony ASR delivers whole transcripts
 * in upper case, and that is not shouting.
 */
export function detectEmotion(utterance: string | NormalizedText): EmotionReading {
  const text = typeof utterance === 'string' ? normalizeForModel(utterance) : utterance;
  const scores: Record<Felt, number> = { angry: 0, frustrated: 0, confused: 0, pleased: 0 };
  const cues: string[] = [];
  const found = (emotion: Felt, weight: number, label: string) => {
    scores[emotion] += weight;
    cues.push(label);
  };
  for (const { emotion, zh, en } of COMPILED) {
    if (text.hanCount > 0) for (const [pattern, weight] of zh) if (text.compact.includes(pattern)) found(emotion, weight, pattern);
    if (text.words.length > 0) for (const [needle, weight, label] of en) if (text.padded.includes(needle)) found(emotion, weight, label);
  }

  // Arousal: it sharpens whatever negative feeling is there; with none, shouting reads as anger.
  let arousal = 0;
  const exclamations = (text.raw.match(/[!！]/g) ?? []).length;
  if (exclamations > 0) {
    arousal += Math.min(exclamations, 4) * 0.5;
    cues.push('!'.repeat(Math.min(exclamations, 4)));
  }
  const latinWords = text.raw.match(/[A-Za-z]{2,}/g) ?? [];
  const shouted = latinWords.filter((word) => word === word.toUpperCase() && !ACRONYMS.has(word)).length;
  if (shouted >= 2 && shouted < latinWords.length) {
    arousal += 1.5;
    cues.push('caps');
  }
  const repeated = repeatedWord(text);
  if (repeated) {
    scores.frustrated += 1.5;
    cues.push(`repeat:${repeated}`);
  }

  const negative = scores.angry >= scores.frustrated ? 'angry' : 'frustrated';
  if (arousal > 0) {
    if (scores.angry + scores.frustrated > 0) scores[negative] += arousal;
    else if (arousal >= 1.5) scores.angry += arousal;
    else if (scores.pleased > 0) scores.pleased += arousal / 2;
  }

  let emotion: Emotion = 'neutral';
  let best = MIN_SCORE - Number.EPSILON;
  for (const felt of ['angry', 'frustrated', 'confused', 'pleased'] as const) {
    if (scores[felt] > best) {
      emotion = felt;
      best = scores[felt];
    }
  }
  // Saturating: one clear cue ≈ 0.3-0.5, several cues ≈ 0.75, cues plus shouting → close to 1.
  const intensity = emotion === 'neutral' ? 0 : Math.round((1 - Math.exp(-best / 4)) * 100) / 100;
  return { emotion, intensity, cues };
}

/** Said three times, these are laughter or agreement (哈哈哈, 对对对, "yeah yeah yeah"), not exasperation. */
const BENIGN_REPEATS = new Set(['哈', '呵', '嘿', '嘻', '嗯', '对', '是', '好', '好的', '行', 'ha', 'he', 'yeah', 'yes', 'ok', 'okay', 'right', 'sure', 'hi', 'bye']);

/** A word (or 1-3 Chinese characters) said three times in a row: "no no no", 不要不要不要, 烦烦烦. */
function repeatedWord(text: NormalizedText): string | null {
  const { words } = text;
  for (let i = 2; i < words.length; i += 1) {
    const word = words[i]!;
    if (word === words[i - 1] && word === words[i - 2] && !BENIGN_REPEATS.has(word)) return word;
  }
  for (const match of text.compact.matchAll(/(\p{Script=Han}{1,3})\1\1/gu)) if (!BENIGN_REPEATS.has(match[1]!)) return match[1]!;
  return null;
}
