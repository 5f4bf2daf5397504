import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TranscriptTurn } from '@ai-ninja/contracts';
import { listFiles, removeFiles, timeOrderedKey } from './durable-file.js';

/** What the journal of a call that never ended properly tells. */
export interface InterruptedCall {
  readonly callId: string;
  readonly userId: string;
  readonly startedAt: string;
  readonly turns: TranscriptTurn[];
  /** Audio chunks received up to the last turn written (a lower bound). */
  readonly audioChunks: number;
}

type Line = { kind: 'start'; callId: string; userId: string; startedAt: string } | { kind: 'turn'; turn: TranscriptTurn; audioChunks: number };

const SUFFIX = '.jsonl';

/**
 * A journal per live call (`dir/<key>.jsonl`: a start line, then one line per turn), deleted when the call's report
 * is in the outbox. A journal found at start belongs to a call the process stopped during: its report is made from
 * it (`connection_lost`), so phone-gateway still learns how the call went.
 */
export class CallJournal {
  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  /** Opens the journal of a call that starts now. */
  open(callId: string, userId: string, startedAt: string): CallJournalEntry {
    return new CallJournalEntry(this.dir, timeOrderedKey(), { kind: 'start', callId, userId, startedAt });
  }

  /** The calls interrupted by a stop; each journal is removed by `remove` once its report is kept elsewhere. */
  async interrupted(): Promise<Array<InterruptedCall & { key: string }>> {
    const calls: Array<InterruptedCall & { key: string }> = [];
    for (const name of await listFiles(this.dir, SUFFIX)) {
      const lines = (await readFile(join(this.dir, name), 'utf8'))
        .split('\n')
        .flatMap((text) => {
          try {
            return text ? [JSON.parse(text) as Line] : [];
          } catch {
            return []; // the last line may be torn by the stop
          }
        });
      const start = lines.find((line) => line.kind === 'start');
      const key = name.slice(0, -SUFFIX.length);
      if (!start) {
        await this.remove(key);
        continue;
      }
      const turns = lines.flatMap((line) => (line.kind === 'turn' ? [line.turn] : []));
      const audioChunks = Math.max(0, ...lines.map((line) => (line.kind === 'turn' ? line.audioChunks : 0)));
      calls.push({ key, callId: start.callId, userId: start.userId, startedAt: start.startedAt, turns, audioChunks });
    }
    return calls;
  }

  async remove(key: string): Promise<void> {
    await removeFiles(this.dir, [key + SUFFIX]);
  }
}

/** The journal of one live call; lines are appended in order, without waiting (a journal is insurance, not a gate). */
export class CallJournalEntry {
  #chain: Promise<unknown>;
  readonly #path: string;

  constructor(
    dir: string,
    readonly key: string,
    start: Line,
  ) {
    this.#path = join(dir, key + SUFFIX);
    this.#chain = appendFile(this.#path, JSON.stringify(start) + '\n').catch(() => undefined);
  }

  turn(turn: TranscriptTurn, audioChunks: number): void {
    const line: Line = { kind: 'turn', turn, audioChunks };
    this.#chain = this.#chain.then(() => appendFile(this.#path, JSON.stringify(line) + '\n')).catch(() => undefined);
  }

  /** Resolves when every line asked for has been written (or failed). */
  settled(): Promise<unknown> {
    return this.#chain;
  }
}
