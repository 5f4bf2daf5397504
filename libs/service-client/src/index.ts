export { createBalancer, LeastOutstandingBalancer, PeakEwmaBalancer, RoundRobinBalancer, type Balancer, type BalancerName } from './balancers.js';
export { discoverUrls, resolveReplicas, type Lookup } from './discovery.js';
export * from './errors.js';
export { PeakEwma } from './peak-ewma.js';
export { Replica, type BreakerState } from './replica.js';
export { backoffDelay, parseRetryAfter, RetryBudget, type BackoffOptions, type RetryBudgetOptions } from './retry.js';
export * from './service-client.js';
export { guardExternal, type ExternalGuard, type ExternalGuardOptions } from './external.js';
