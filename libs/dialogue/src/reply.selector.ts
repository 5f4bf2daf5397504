import type { EndReason } from './dialogue.state-machine.js';
import { CATEGORY_WORDS, DEFAULT_USER, REPLY_BANK, type ReplyCell, type VoiceBank } from './reply.bank.js';
import { isCategory, type Category, type Intent, type Personality, type ReplyLanguage, type Stage } from './types.js';

/** A reply and its id (stable for a given line or combination; a call never gets the same id twice). */
export interface Reply {
  readonly id: string;
  readonly text: string;
  readonly cell: ReplyCell;
  /** True only when every line and combination of the cell was used (hundreds of turns in one stage): the text repeats. */
  readonly repeated: boolean;
}

export interface ReplyRequest {
  readonly personality: Personality;
  readonly language: ReplyLanguage;
  /** The stage after this turn's transition. */
  readonly stage: Stage;
  /** This turn's intent. */
  readonly intent: Intent;
  readonly endReason: EndReason | null;
  /** What the call is about so far, for `{category}`. */
  readonly category: Category | 'unknown';
  /** Ids already said in this call. */
  readonly used: ReadonlySet<string>;
  /** Varies the choice between calls (the call id), deterministically. */
  readonly seed: string;
  readonly turn: number;
  readonly userName?: string | undefined;
}

/** Which cell of the bank answers `intent` in `stage`. */
export function replyCellFor(stage: Stage, intent: Intent, endReason: EndReason | null): ReplyCell {
  switch (stage) {
    case 'initial':
      return intent === 'question' ? 'initial.question' : 'initial.greeting';
    case 'handling':
      if (intent === 'persistence') return 'handling.persistence';
      if (intent === 'question') return 'handling.question';
      return isCategory(intent) ? 'handling.pitch' : 'handling.other';
    case 'firm_rejection':
      if (intent === 'scam') return 'firm_rejection.scam';
      return intent === 'persistence' || isCategory(intent) ? 'firm_rejection.push' : 'firm_rejection.other';
    case 'hang_up':
      if (intent === 'goodbye') return 'hang_up.goodbye';
      return endReason === 'scam' ? 'hang_up.scam' : 'hang_up.end';
  }
}

/**
 * Picks the reply for a turn from the bank: the personality's lines in the caller's language for the cell, starting at
 * a position drawn from (seed, turn) and skipping ids already used in the call. When the cell's lines are used up it
 * combines them with the personality's openers and closers ("I'm sorry." + line, line + "Take care.", both, then two
 * closers), which gives each cell 300+ distinct replies before anything repeats.
 */
export function selectReply(request: ReplyRequest): Reply {
  const cell = replyCellFor(request.stage, request.intent, request.endReason);
  const voice = REPLY_BANK[request.personality][request.language];
  const prefix = `${request.personality}.${cell}.${request.language}`;
  let first: Candidate | null = null;
  for (const candidate of candidates(voice, cell, prefix, hash(`${request.seed}:${request.turn}`))) {
    first ??= candidate;
    if (!request.used.has(candidate.id)) return render(candidate, cell, request, false);
  }
  return render(first!, cell, request, true);
}

interface Candidate {
  readonly id: string;
  readonly parts: readonly string[];
}

function* candidates(voice: VoiceBank, cell: ReplyCell, prefix: string, start: number): Generator<Candidate> {
  const lines = voice.lines[cell];
  const { openers, closers } = voice;
  const L = lines.length;
  const at = (i: number) => (start + i) % L;
  for (let i = 0; i < L; i += 1) yield { id: `${prefix}.${at(i)}`, parts: [lines[at(i)]!] };
  for (let i = 0; i < L; i += 1) {
    const l = at(i);
    for (let c = 0; c < closers.length; c += 1) yield { id: `${prefix}.${l}+c${c}`, parts: [lines[l]!, closers[c]!] };
    for (let o = 0; o < openers.length; o += 1) yield { id: `o${o}+${prefix}.${l}`, parts: [openers[o]!, lines[l]!] };
  }
  for (let i = 0; i < L; i += 1) {
    const l = at(i);
    for (let o = 0; o < openers.length; o += 1)
      for (let c = 0; c < closers.length; c += 1) yield { id: `o${o}+${prefix}.${l}+c${c}`, parts: [openers[o]!, lines[l]!, closers[c]!] };
  }
  for (let i = 0; i < L; i += 1) {
    const l = at(i);
    for (let o = 0; o < openers.length; o += 1)
      for (let c = 0; c < closers.length; c += 1)
        for (let d = 0; d < closers.length; d += 1)
          if (d !== c) yield { id: `o${o}+${prefix}.${l}+c${c}+c${d}`, parts: [openers[o]!, lines[l]!, closers[c]!, closers[d]!] };
  }
}

function render(candidate: Candidate, cell: ReplyCell, request: ReplyRequest, repeated: boolean): Reply {
  const user = request.userName?.trim() || DEFAULT_USER[request.language];
  const category = CATEGORY_WORDS[request.language][request.category];
  let text = candidate.parts.join(request.language === 'en' ? ' ' : '').replaceAll('{user}', user).replaceAll('{category}', category);
  // "{user} isn't interested" with no name gives "the owner of this number isn't…": capitalise sentence starts.
  if (request.language === 'en') text = text.replace(/(^|[.!?]\s+)([a-z])/g, (_, before: string, letter: string) => before + letter.toUpperCase());
  return { id: candidate.id, text, cell, repeated };
}

/** FNV-1a, 32 bits: a cheap, stable spread of seeds over the lines. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
