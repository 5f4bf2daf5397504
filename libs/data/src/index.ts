export * from './cache.js';
export * from './database.js';
