export { ConfigClient, createConfigClient, type ChangeListener, type ConfigClientLogger, type ConfigClientOptions, type ConfigClientState, type ConfigSource } from './config-client.js';
export { writeFileAtomic } from './disk-cache.js';
export { compileFlag, evaluateFlag, evaluateFlags, pickVariant, rolloutBucket, stableHash, type CompiledFlag, type FlagOutcome } from './evaluation.js';
export { attachConfigClient, liveSettings, type ConfigurableService, type LiveSettings } from './attach.js';
