import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ErrorEnvelopeSchema, SERVICES } from '@ai-ninja/contracts';
import { callOperation } from '../../src/contract-check.js';
import { fuzzCases, type FuzzCase } from '../../src/fuzz.js';
import { addressPool, assertNoProblems, send, type Reply } from '../../src/http.js';
import type { Operation } from '../../src/openapi.js';
import type { System } from '../../src/system.js';
import { apiOperations, authFor, validInput, type ApiModel } from './contracts.js';

/** What is wrong with one answer to bad input; undefined when it is right. */
function verdict(reply: Reply, expect: FuzzCase['expect']): string | undefined {
  if (reply.status >= 500) return `${reply.status}: ${reply.body.slice(0, 200)}`;
  if (expect === 'reject' && (reply.status < 400 || reply.status >= 500)) return `accepted (${reply.status}): ${reply.body.slice(0, 200)}`;
  if (reply.status >= 400) {
    if (!String(reply.headers['content-type']).startsWith('application/json')) return `${reply.status} with content-type ${reply.headers['content-type']}: ${reply.body.slice(0, 100)}`;
    try {
      if (!ErrorEnvelopeSchema.safeParse(JSON.parse(reply.body)).success) return `${reply.status} without the error envelope: ${reply.body.slice(0, 200)}`;
    } catch {
      return `${reply.status} body is not JSON: ${reply.body.slice(0, 200)}`;
    }
  }
  return undefined;
}

/** Runs `tasks` with at most `width` at once. */
async function pool<T>(items: readonly T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

export function fuzzSuite(getSystem: () => System, getModel: () => ApiModel): void {
  describe('bad input', () => {
    let system: System;
    let model: ApiModel;
    before(() => {
      system = getSystem();
      model = getModel();
    });

    it('every route of every service, fed generated invalid bodies, paths, query strings and headers: only 4xx in the error envelope, never a 5xx', async (t) => {
      const exitsBefore = new Map(system.replicas.map((r) => [r, r.exits.length]));
      const jobs: Array<{ op: Operation; fuzz: FuzzCase }> = [];
      for (const op of apiOperations(model)) {
        for (const all of [false, true]) {
          const valid = validInput(model, op, all);
          // A service credential passes every route's auth, so the bad input reaches validation everywhere.
          for (const fuzz of fuzzCases(op, valid, model.validators.get(op.service)!, authFor(system, model, op, 'service'))) jobs.push({ op, fuzz });
        }
      }
      const problems: string[] = [];
      const statuses = new Map<number, number>();
      await pool(jobs, 8, async ({ op, fuzz }) => {
        const target = fuzz.method ? { ...op, method: fuzz.method } : op;
        try {
          const { reply } = await callOperation(system, target, fuzz.request);
          statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
          const wrong = verdict(reply, fuzz.expect);
          if (wrong) problems.push(`${op.service} ${op.id} — ${fuzz.name}: ${wrong}`);
        } catch (error) {
          problems.push(`${op.service} ${op.id} — ${fuzz.name}: no answer (${(error as Error).message})`);
        }
      });
      t.diagnostic(`${jobs.length} bad requests over ${apiOperations(model).length} routes; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
      assert.ok(jobs.length > 500, `${jobs.length} cases generated`);
      const exited = system.replicas.filter((r) => !r.running || r.exits.length > exitsBefore.get(r)!).map((r) => r.name);
      assertNoProblems([...problems.sort(), ...exited.map((name) => `${name} exited`)], 'with bad input');
      for (const replica of system.replicas) assert.equal((await send(`${replica.url}/health/live`)).status, 200, `${replica.name} is alive`);
    });

    it('the gateway answers what it refuses itself (oversized bodies, URIs and headers, broken requests) in the error envelope', async () => {
      const system = getSystem();
      const address = addressPool(210);
      const problems: string[] = [];
      for (const service of SERVICES) {
        for (const route of service.gatewayRoutes) {
          const cases: Array<[string, () => Promise<Reply>, number]> = [
            ['a 2 MB body', () => send(`${system.gatewayUrl}${route.path}x`, { method: 'POST', body: JSON.stringify({ x: 'x'.repeat(2 * 1024 * 1024) }), headers: { 'content-type': 'application/json' }, localAddress: address() }), 413],
            ['a 20 kB URI', () => send(`${system.gatewayUrl}${route.path}${'u'.repeat(20_000)}`, { localAddress: address() }), 414],
            ['a 40 kB header', () => send(`${system.gatewayUrl}${route.path}x`, { headers: { 'x-filler': 'h'.repeat(40_000) }, localAddress: address() }), 400],
          ];
          for (const [name, make, status] of cases) {
            const reply = await make();
            const wrong = reply.status !== status ? `${reply.status} instead of ${status}: ${reply.body.slice(0, 150)}` : verdict(reply, 'reject');
            if (wrong) problems.push(`${route.path} ${name}: ${wrong}`);
          }
        }
      }
      assertNoProblems(problems, 'found');
    });
  });
}
