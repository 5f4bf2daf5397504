import type { CallerCategory } from '@ai-ninja/contracts';
import type { TestDatabase } from '@ai-ninja/data/testing';
import { createLogger, type RunningService } from '@ai-ninja/service-kit';
import { testConfig } from '@ai-ninja/service-kit/testing';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import type { IntentClassifier } from '../src/domain/call-analysis.js';
import { openAnalyticsDatabase } from '../src/store/database.js';

/**
 * A keyword classifier for tests only: call analysis is written against the IntentClassifier interface, and these
 * tests check what analysis does with the intents, not how well a classifier reads speech.
 */
export const keywordClassifier: IntentClassifier = {
  classify(text) {
    const lower = text.toLowerCase();
    const topics: Array<[CallerCategory, RegExp]> = [
      ['loan', /\b(loan|credit|borrow)/],
      ['investment', /\b(invest|stock|crypto)/],
      ['insurance', /\b(insurance|policy)/],
      ['scam', /\b(gift card|wire|police|arrest)/],
      ['sales', /\b(offer|discount|buy)/],
    ];
    const topic = topics.find(([, pattern]) => pattern.test(lower))?.[0] ?? null;
    if (/\b(bye|goodbye)\b/.test(lower)) return { intent: 'goodbye', confidence: 0.9, topic };
    if (/\b(just one minute|listen|wait|please hear)/.test(lower)) return { intent: 'persistence', confidence: 0.8, topic };
    if (topic) return { intent: topic, confidence: 0.85, topic };
    if (/\b(hello|hi)\b/.test(lower)) return { intent: 'greeting', confidence: 0.9, topic: null };
    return { intent: 'other', confidence: 0.5, topic: null };
  },
};

/** Starts profile-analytics on port 0 over `db`, the way main.ts does. */
export async function startProfileAnalytics(db: TestDatabase, env: Record<string, string>, classifier: IntentClassifier | null = keywordClassifier): Promise<RunningService> {
  const config = testConfig(configSchema, { ...env, ...db.env });
  const logger = createLogger({ service: 'profile-analytics', level: 'silent' });
  const database = await openAnalyticsDatabase(config, logger);
  return createApp({ config, version: 'test', database, logger, ...(classifier ? { classifier } : {}) }).listen();
}
