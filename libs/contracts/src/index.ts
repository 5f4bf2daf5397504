export * from './catalog.js';
export * from './errors.js';
export * from './headers.js';
export * from './health.js';
export { z } from './zod.js';
