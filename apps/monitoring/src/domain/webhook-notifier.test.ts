import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { createLogger } from '@ai-ninja/service-kit';
import type { AlertEvent } from './alert.types.js';
import { WebhookNotifier } from './webhook-notifier.js';

const EVENT = {
  event: 'alert.fired',
  sentBy: 'monitoring',
  rule: { id: 'r', name: 'storage down for 1 s', kind: 'service_down', service: 'storage', forSeconds: 1, createdAt: new Date(0).toISOString() },
  alert: {
    id: 'a1',
    ruleId: 'r',
    ruleName: 'storage down for 1 s',
    kind: 'service_down',
    service: 'storage',
    state: 'firing',
    message: 'storage is down',
    value: 1,
    conditionSince: new Date(0).toISOString(),
    firedAt: new Date(1000).toISOString(),
    resolvedAt: null,
  },
} satisfies AlertEvent;

/** A receiver that answers each request with the next status of `statuses` (then 204), or never answers for 0. */
async function receiver(statuses: number[]) {
  const bodies: Array<{ body: string; type: string | undefined }> = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      bodies.push({ body, type: req.headers['content-type'] });
      const status = statuses.shift() ?? 204;
      if (status !== 0) res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    bodies,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const logger = createLogger({ service: 'monitoring', level: 'silent' });

describe('alert webhook', () => {
  it('POSTs the event as JSON, retrying after errors and timeouts until it is accepted', async () => {
    const hook = await receiver([500, 0, 204]); // an error, then no answer, then accepted
    const notifier = new WebhookNotifier({ url: hook.url, timeoutMs: 200, attempts: 4, backoffMs: 1, maxInFlight: 10, logger });
    notifier.send(EVENT);
    await notifier.close();
    await hook.close();
    assert.equal(hook.bodies.length, 3);
    assert.deepEqual(JSON.parse(hook.bodies[2]!.body), EVENT);
    assert.equal(hook.bodies[2]!.type, 'application/json');
  });

  it('gives up after its attempts, and never throws into the caller', async () => {
    const hook = await receiver([503, 503, 503, 503]);
    const notifier = new WebhookNotifier({ url: hook.url, timeoutMs: 200, attempts: 2, backoffMs: 1, maxInFlight: 10, logger });
    assert.doesNotThrow(() => notifier.send(EVENT));
    await notifier.close();
    await hook.close();
    assert.equal(hook.bodies.length, 2);
  });

  it('drops events beyond its in-flight bound instead of queueing without end', async () => {
    let calls = 0;
    // A slow receiver: the first delivery is still pending when the second event comes.
    const slow: typeof fetch = async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 30));
      return new Response(null, { status: 503 });
    };
    const notifier = new WebhookNotifier({ url: 'http://127.0.0.1:9/hook', timeoutMs: 1000, attempts: 1, backoffMs: 1, maxInFlight: 1, logger, fetch: slow });
    notifier.send(EVENT);
    notifier.send(EVENT); // dropped: one delivery is already pending
    await notifier.close();
    assert.equal(calls, 1);
  });
});
