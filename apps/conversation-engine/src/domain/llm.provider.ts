import { z } from '@ai-ninja/contracts';
import type { Personality, ReplyLanguage, Stage, TurnRecord } from '@ai-ninja/dialogue';
import { guardExternal, type BreakerState, type ExternalGuard } from '@ai-ninja/service-client';

/** What the provider is asked to write: the reply the embedded model chose the stage and intent for. */
export interface LlmReplyRequest {
  readonly personality: Personality;
  readonly language: ReplyLanguage;
  readonly stage: Stage;
  readonly intent: string;
  readonly userName?: string | undefined;
  /** The call so far, the current utterance last. */
  readonly history: readonly TurnRecord[];
  readonly utterance: string;
}

const CompletionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().min(1) }) })).min(1),
});

const STAGE_GOALS: Readonly<Record<Stage, string>> = {
  initial: 'greet the caller briefly and ask what the call is about',
  handling: 'decline politely but clearly; the user is not interested',
  firm_rejection: 'refuse firmly and ask the caller to stop calling',
  hang_up: 'say a short goodbye: the call ends now',
};

/**
 * An OpenAI-compatible chat-completions provider that writes the reply text, behind a breaker with a timeout. It is
 * never asked to decide anything: the embedded model has already chosen the stage, and answers whenever this fails.
 */
export class LlmProvider {
  readonly #guard: ExternalGuard<[LlmReplyRequest], string>;

  constructor(
    private readonly options: { baseUrl: string; apiKey: string | undefined; model: string; timeoutMs: number },
    onStateChange: (state: BreakerState) => void,
  ) {
    this.#guard = guardExternal((request: LlmReplyRequest) => this.#complete(request), { timeoutMs: options.timeoutMs, onStateChange });
  }

  get state(): BreakerState {
    return this.#guard.state;
  }

  reply(request: LlmReplyRequest): Promise<string> {
    return this.#guard.fire(request);
  }

  close(): void {
    this.#guard.shutdown();
  }

  async #complete(request: LlmReplyRequest): Promise<string> {
    const system = [
      `You answer a phone call on behalf of ${request.userName ?? 'the person called'}, who does not take unsolicited calls.`,
      `Speak in a ${request.personality} way, in ${request.language === 'zh' ? 'Mandarin Chinese' : 'English'}, in at most two short sentences.`,
      `Goal now: ${STAGE_GOALS[request.stage]}. The caller's last intent: ${request.intent}.`,
      'Never share personal details, never agree to anything, never promise a call back.',
    ].join(' ');
    const messages = [
      { role: 'system', content: system },
      ...request.history.slice(-6).flatMap((turn) => [
        { role: 'user', content: turn.utterance },
        { role: 'assistant', content: turn.reply.text },
      ]),
      { role: 'user', content: request.utterance },
    ];
    const response = await fetch(`${this.options.baseUrl.replace(/\/$/, '')}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}) },
      body: JSON.stringify({ model: this.options.model, messages, max_tokens: 120, temperature: 0.7 }),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (!response.ok) throw new Error(`the provider answered ${response.status}`);
    const parsed = CompletionSchema.safeParse(await response.json());
    if (!parsed.success) throw new Error('the provider answered without a reply');
    return parsed.data.choices[0]!.message.content.trim().slice(0, 500);
  }
}
