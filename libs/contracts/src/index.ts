export * from './catalog.js';
export * from './endpoint.js';
export * from './errors.js';
export * from './headers.js';
export * from './health.js';
export * from './phone.js';
export * from './whitelist.js';
export { z } from './zod.js';
