import type { UtteranceLanguage } from './types.js';

/** Longest utterance the model reads; telephony ASR turns are a sentence or two, so more is noise (or an attack). */
export const MAX_UTTERANCE_CHARS = 2000;

// Pairs of (traditional, simplified). A full conversion table is thousands of entries; these cover the words the
// model listens for (Hong Kong / Taiwan callers, or ASR set to zh-TW).
const T2S_PAIRS =
  '貸贷險险資资帳账戶户銀银額额費费優优買买賣卖錢钱轉转證证碼码凍冻結结詐诈騙骗說说話话聽听見见們们這这個个來来電电與与為为麼么嗎吗誰谁會会員员單单賠赔財财務务報报價价錯错過过機机掛挂還还給给讓让幫帮產产動动點点時时間间問问題题關关係系開开門门對对認认識识專专業业驗验號号調调檢检網网線线車车齡龄煩烦謝谢夠够滾滚處处歡欢樂乐區区導导師师課课聯联繫系壽寿醫医療疗護护養养經经濟济損损稅税罰罚詢询據据獎奖領领紅红禮礼盤盘樓楼續续學学購购圖图書书應应該该實实裡里邊边請请幣币貨货匯汇銷销萬万億亿訂订筆笔擔担獲获團团體体稱称傳传權权鬆松紀纪節节歷历劃划託托衝冲辦办鐘钟斷断擾扰後后頭头緊紧幾几兩两漲涨預预審审';
const T2S = new Map<string, string>();
for (let i = 0; i + 1 < T2S_PAIRS.length; i += 2) T2S.set(T2S_PAIRS[i]!, T2S_PAIRS[i + 1]!);

const HAN = /\p{Script=Han}/u;
const HAN_G = /\p{Script=Han}/gu;
const WORD_G = /[a-z0-9]+/g;
const LETTER = /[a-z]/;
// Everything that is not a letter or digit of any script: punctuation (ASCII and CJK), symbols, spaces.
const NON_WORD_G = /[^\p{L}\p{N}]+/gu;

/** An utterance prepared for matching: `compact` is the view Chinese cues read, `padded` the one English cues read. */
export interface NormalizedText {
  /** The original text, trimmed and cut to MAX_UTTERANCE_CHARS (emotion reads case and punctuation from it). */
  readonly raw: string;
  /** NFKC, lower case, simplified characters, apostrophes dropped ("don't" → "dont"), no spaces or punctuation. */
  readonly compact: string;
  /** Latin-script words and numbers (typo-corrected against the cue vocabulary) joined by single spaces, padded: " hi this is mike ". */
  readonly padded: string;
  readonly words: readonly string[];
  readonly hanCount: number;
  readonly language: UtteranceLanguage;
  /** False when there is nothing to read (silence, "...", a lone digit): callers keep their previous language. */
  readonly hasLetters: boolean;
  readonly hasQuestionMark: boolean;
}

/** Corrects a word against a vocabulary; see createSpellCorrector. */
export type SpellCorrector = (word: string) => string;

/**
 * Normalises an utterance for matching. Full-width forms become ASCII (NFKC), upper case becomes lower, traditional
 * characters the cues need become simplified, "don't" becomes "dont". English words pass through `correct`.
 */
export function normalizeUtterance(text: string, correct: SpellCorrector = (word) => word): NormalizedText {
  const raw = text.trim().slice(0, MAX_UTTERANCE_CHARS);
  let lower = raw.normalize('NFKC').toLowerCase().replace(/['’`]/g, '');
  if (HAN.test(lower)) lower = simplify(lower);
  const words = (lower.match(WORD_G) ?? []).map(correct);
  const hanCount = lower.match(HAN_G)?.length ?? 0;
  let letterWords = 0;
  for (const word of words) if (LETTER.test(word)) letterWords += 1;
  const compact = lower.replace(NON_WORD_G, '');
  return {
    raw,
    compact,
    padded: ` ${words.join(' ')} `,
    words,
    hanCount,
    language: languageOf(hanCount, letterWords),
    hasLetters: hanCount > 0 || letterWords > 0,
    hasQuestionMark: /[?？]/.test(raw),
  };
}

function simplify(text: string): string {
  let out = '';
  for (const ch of text) out += T2S.get(ch) ?? ch;
  return out;
}

/**
 * zh / en / mixed from the counts of Han characters and English words. A few English words in a Chinese sentence
 * ("VIP", "APP") stay zh: a word counts as about two characters, and the smaller side must reach a fifth of the whole.
 */
function languageOf(hanCount: number, wordCount: number): UtteranceLanguage {
  if (hanCount === 0) return 'en';
  if (wordCount === 0) return 'zh';
  const zh = hanCount;
  const en = wordCount * 2;
  const minority = Math.min(zh, en) / (zh + en);
  if (minority < 0.2) return zh > en ? 'zh' : 'en';
  return 'mixed';
}

/** The language to answer in: English for English, Chinese for Chinese and for mixed (code-switching callers are Chinese speakers). */
export function replyLanguageOf(language: UtteranceLanguage): 'zh' | 'en' {
  return language === 'en' ? 'en' : 'zh';
}

/**
 * A cheap spelling corrector for ASR and typing slips in English: a word of five letters or more that is not in the
 * vocabulary becomes the vocabulary word one edit away (insertion, deletion, substitution or adjacent swap), found
 * through an index of single-letter deletions (the SymSpell idea) so that a lookup costs a handful of map reads.
 * Words in `keep` (common English) are never changed, so "honey" does not become "money".
 */
export function createSpellCorrector(vocabulary: Iterable<string>, keep: Iterable<string> = []): SpellCorrector {
  const known = new Set<string>(keep);
  const byDeletion = new Map<string, string>();
  for (const word of vocabulary) {
    known.add(word);
    if (word.length < 5) continue;
    for (const variant of deletions(word)) if (!byDeletion.has(variant)) byDeletion.set(variant, word);
    if (!byDeletion.has(word)) byDeletion.set(word, word);
  }
  const cache = new Map<string, string>();
  return (word) => {
    if (word.length < 5 || known.has(word)) return word;
    const cached = cache.get(word);
    if (cached !== undefined) return cached;
    let found = word;
    for (const probe of [word, ...deletions(word)]) {
      const candidate = byDeletion.get(probe);
      if (candidate !== undefined && candidate !== word && withinOneEdit(word, candidate)) {
        found = candidate;
        break;
      }
    }
    if (cache.size < 10_000) cache.set(word, found);
    return found;
  };
}

function deletions(word: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < word.length; i += 1) out.push(word.slice(0, i) + word.slice(i + 1));
  return out;
}

/** Damerau-Levenshtein distance ≤ 1 (one insertion, deletion, substitution or adjacent transposition). */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i += 1;
  if (la === lb) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}
