import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { SERVICES } from '@ai-ninja/contracts';
import { ConfigError, envInt, loadConfig, serviceConfigSchema } from './config.js';

describe('config loader', () => {
  it('needs no variable: every service defaults to its catalog port and sane settings', () => {
    for (const service of SERVICES) {
      const config = loadConfig(serviceConfigSchema(service.name), {});
      assert.equal(config.PORT, service.port);
      assert.equal(config.HOST, '0.0.0.0');
      assert.equal(config.LOG_LEVEL, 'info');
      assert.equal(config.BODY_LIMIT, '1mb');
    }
  });

  it('reads and coerces variables, PORT overriding the catalog', () => {
    const config = loadConfig(serviceConfigSchema('storage'), { PORT: '4008', SHUTDOWN_TIMEOUT_MS: '2500', LOG_FORMAT: 'json' });
    assert.equal(config.PORT, 4008);
    assert.equal(config.SHUTDOWN_TIMEOUT_MS, 2500);
    assert.equal(config.LOG_FORMAT, 'json');
  });

  it('treats an empty variable as unset', () => {
    assert.equal(loadConfig(serviceConfigSchema('storage'), { PORT: '' }).PORT, 3008);
  });

  it('lists every problem in one message, naming each variable without echoing its value', () => {
    const error = (() => {
      try {
        loadConfig(serviceConfigSchema('storage'), { PORT: 'eighty', LOG_LEVEL: 'loud', BODY_LIMIT: 'huge', SHUTDOWN_TIMEOUT_MS: '-5' });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(
      error.problems.map((p) => p.split(':')[0]),
      ['PORT', 'LOG_LEVEL', 'BODY_LIMIT', 'SHUTDOWN_TIMEOUT_MS'],
    );
    assert.match(error.message, /^Invalid configuration:\n {2}- PORT: /);
    assert.doesNotMatch(error.message, /eighty|loud/);
  });

  it('lets a service extend the schema with its own variables', () => {
    const schema = serviceConfigSchema('storage').extend({ MAX_UPLOAD_MB: envInt(1, 1024).default(50) });
    assert.equal(loadConfig(schema, {}).MAX_UPLOAD_MB, 50);
    assert.throws(() => loadConfig(schema, { MAX_UPLOAD_MB: '0' }), /MAX_UPLOAD_MB/);
  });

  it('rejects a port out of range', () => {
    assert.throws(() => loadConfig(z.object({ PORT: envInt(0, 65535) }), { PORT: '70000' }), ConfigError);
  });
});
