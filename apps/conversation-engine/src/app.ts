import type { Database } from '@ai-ninja/data';
import { databaseHealthCheck } from '@ai-ninja/data';
import { createService, type Logger, type Service } from '@ai-ninja/service-kit';
import type { Config } from './config.js';
import { ConversationService } from './domain/conversation.service.js';
import { LlmProvider } from './domain/llm.provider.js';
import { registerRoutes } from './routes/index.js';
import { ConversationsStore } from './store/conversations.store.js';
import type { ConversationDb } from './store/migrations.js';

/** What conversation-engine is built from; tests pass their own. */
export interface AppDeps {
  readonly config: Config;
  readonly version: string;
  /** Open and migrated (`openConversationDatabase`); the app closes it at shutdown. */
  readonly database: Database<ConversationDb>;
  readonly logger?: Logger;
}

/** conversation-engine: one caller utterance in, the reply out, each call's dialogue kept. */
export function createApp(deps: AppDeps): Service {
  const { database, ...serviceDeps } = deps;
  const { config } = deps;
  const service = createService({ name: 'conversation-engine', ...serviceDeps });
  service.health.register(databaseHealthCheck(database));
  service.onShutdown('database', () => database.close());
  let llm: LlmProvider | undefined;
  if (config.LLM_BASE_URL) {
    const provider = new LlmProvider({ baseUrl: config.LLM_BASE_URL, apiKey: config.LLM_API_KEY, model: config.LLM_MODEL, timeoutMs: config.LLM_TIMEOUT_MS }, (state) =>
      service.logger[state === 'open' ? 'warn' : 'info']({ provider: config.LLM_BASE_URL, state }, `chat-completions provider circuit ${state}: ${state === 'open' ? 'the embedded model writes the replies' : 'trying the provider again'}`),
    );
    llm = provider;
    // Optional: the embedded model answers while the provider is away.
    service.health.register({
      name: 'llm-provider',
      required: false,
      check: async () => {
        if (provider.state === 'open') throw new Error('circuit open: the embedded model writes the replies');
      },
    });
    service.onShutdown('llm provider', () => provider.close());
  }
  registerRoutes(service, new ConversationService(new ConversationsStore(database.db), config.DEFAULT_PERSONALITY, llm, service.logger));
  return service;
}
