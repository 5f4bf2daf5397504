export * from './health-registry.js';
export * from './health.routes.js';
