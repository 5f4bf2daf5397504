/**
 * The whole system, started once for this file: nine services as processes (two replicas of smart-whitelist,
 * realtime-processor and user-management) behind real nginx, on PostgreSQL and Redis. The suites run in order; the
 * ones that restart replicas come last.
 */
import { after, before, describe } from 'node:test';
import { startSystem, type System } from '../src/system.js';
import { balancingSuite } from './suites/balancing.js';
import { contractSuite, loadApiModel, type ApiModel } from './suites/contracts.js';
import { fuzzSuite } from './suites/fuzz.js';
import { healthSuite } from './suites/health.js';
import { rateLimitSuite } from './suites/rate-limits.js';
import { rollingRestartSuite } from './suites/rolling-restart.js';
import { skipUnlessInstalled } from '../src/requirements.js';

describe('the whole system through the real gateway', { skip: skipUnlessInstalled('nginx') }, () => {
  let system: System | undefined;
  let model: ApiModel | undefined;
  const getSystem = () => system ?? assertStarted();
  const getModel = () => model ?? assertStarted();

  before(async () => {
    system = await startSystem();
    model = await loadApiModel(system);
  });
  after(async () => {
    await system?.stop();
  });

  healthSuite(getSystem);
  contractSuite(getSystem, getModel);
  balancingSuite(getSystem, getModel);
  rateLimitSuite(getSystem);
  fuzzSuite(getSystem, getModel);
  rollingRestartSuite(getSystem, getModel);
});

function assertStarted(): never {
  throw new Error('the system did not start (see the before hook)');
}
