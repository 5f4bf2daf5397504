export * from './context.js';
export * from './fast-histogram.js';
export * from './logger.js';
export * from './metrics.js';
export * from './spans.js';
export * from './trace.js';
