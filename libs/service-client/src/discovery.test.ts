import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getService } from '@ai-ninja/contracts';
import { discoverUrls, resolveReplicas } from './discovery.js';

const whitelist = getService('smart-whitelist');

describe('discovery', () => {
  it('defaults to localhost on the catalog port', () => {
    assert.deepEqual(discoverUrls(whitelist, {}), ['http://localhost:3006']);
  });

  it('reads the service’s variable, a comma-separated list meaning several replicas', () => {
    assert.deepEqual(discoverUrls(whitelist, { WHITELIST_SERVICE_URL: 'http://smart-whitelist:3006' }), ['http://smart-whitelist:3006']);
    assert.deepEqual(discoverUrls(whitelist, { WHITELIST_SERVICE_URL: ' http://10.0.0.1:3006/, http://10.0.0.2:3006 ' }), ['http://10.0.0.1:3006', 'http://10.0.0.2:3006']);
  });

  it('refuses a value that is not a list of http URLs, naming the variable', () => {
    assert.throws(() => discoverUrls(whitelist, { WHITELIST_SERVICE_URL: 'smart-whitelist:3006' }), /WHITELIST_SERVICE_URL/);
    assert.throws(() => discoverUrls(whitelist, { WHITELIST_SERVICE_URL: 'ftp://x' }), /not http/);
  });

  it('expands a host name to every address it resolves to, as a headless Service lists its pods', async () => {
    const lookup = async () => [
      { address: '10.1.0.5', family: 4 },
      { address: 'fd00::7', family: 6 },
    ];
    const resolved = await resolveReplicas(['http://smart-whitelist:3006', 'http://127.0.0.1:4000'], lookup, new Map());
    assert.deepEqual(resolved.get('http://smart-whitelist:3006'), ['http://10.1.0.5:3006', 'http://[fd00::7]:3006']);
    assert.deepEqual(resolved.get('http://127.0.0.1:4000'), ['http://127.0.0.1:4000']);
  });

  it('keeps the previous addresses when a lookup fails, so a DNS hiccup never empties an upstream', async () => {
    const failing = async () => {
      throw new Error('ENOTFOUND');
    };
    const previous = new Map([['http://smart-whitelist:3006', ['http://10.1.0.5:3006']]]);
    const resolved = await resolveReplicas(['http://smart-whitelist:3006'], failing, previous);
    assert.deepEqual(resolved.get('http://smart-whitelist:3006'), ['http://10.1.0.5:3006']);
  });
});
