import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { compileFlag, evaluateFlag, evaluateFlags, pickVariant, rolloutBucket } from './evaluation.js';

const USERS = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
const flag = (overrides: Partial<Parameters<typeof compileFlag>[0]> = {}) =>
  compileFlag({ name: 'new-voice', enabled: true, rolloutPercentage: 100, allowUsers: [], denyUsers: [], ...overrides });
const onFor = (percentage: number) => new Set(USERS.filter((user) => evaluateFlag(flag({ rolloutPercentage: percentage }), user).enabled));

describe('flag evaluation', () => {
  it('buckets a user by the first 4 bytes of sha256("flag:userId") mod 10000', () => {
    const expected = createHash('sha256').update('new-voice:user-7').digest().readUInt32BE(0) % 10_000;
    assert.equal(rolloutBucket('new-voice', 'user-7'), expected);
    assert.equal(evaluateFlag(flag({ rolloutPercentage: 50 }), 'user-7').bucket, expected / 100);
  });

  it('gives the same user the same answer every time, and a different flag hashes independently', () => {
    const first = USERS.map((user) => evaluateFlag(flag({ rolloutPercentage: 30 }), user).enabled);
    const again = USERS.map((user) => evaluateFlag(flag({ rolloutPercentage: 30 }), user).enabled);
    assert.deepEqual(again, first);
    const other = USERS.map((user) => evaluateFlag(compileFlag({ name: 'other-flag', enabled: true, rolloutPercentage: 30, allowUsers: [], denyUsers: [] }), user).enabled);
    assert.notDeepEqual(other, first);
  });

  it('turns a 10 % rollout on for a subset of the users of 20 %, and so on up to 100 % (1000 users)', () => {
    const steps = [0, 1, 5, 10, 20, 50, 99.99, 100].map(onFor);
    for (let i = 1; i < steps.length; i++) {
      for (const user of steps[i - 1]!) assert.ok(steps[i]!.has(user), `${user} lost the flag when the rollout grew`);
    }
    assert.equal(steps[0]!.size, 0);
    assert.equal(steps.at(-1)!.size, USERS.length);
  });

  it('turns a rollout on for about its share of users (1000 users, ±4 points)', () => {
    for (const percentage of [10, 20, 50]) {
      const share = (onFor(percentage).size / USERS.length) * 100;
      assert.ok(Math.abs(share - percentage) <= 4, `${percentage} % rollout reached ${share} % of users`);
    }
  });

  it('applies the deny list first, then the allow list, then the kill switch, then the rollout', () => {
    const both = flag({ allowUsers: ['u1'], denyUsers: ['u1'] });
    assert.deepEqual(evaluateFlag(both, 'u1'), { enabled: false, reason: 'DENY_LIST' });
    const killed = flag({ enabled: false, allowUsers: ['u2'] });
    assert.deepEqual(evaluateFlag(killed, 'u2'), { enabled: true, reason: 'ALLOW_LIST' });
    assert.deepEqual(evaluateFlag(killed, 'u3'), { enabled: false, reason: 'KILL_SWITCH' });
    assert.equal(evaluateFlag(flag({ rolloutPercentage: 0 }), 'u3').reason, 'ROLLOUT_OUT');
    assert.equal(evaluateFlag(flag({ rolloutPercentage: 100 }), 'u3').reason, 'ROLLOUT_IN');
  });

  it('evaluates every flag for a user with its reason', () => {
    const result = evaluateFlags([flag({ denyUsers: ['u1'] }), compileFlag({ name: 'b', enabled: false, rolloutPercentage: 100, allowUsers: [], denyUsers: [] })], 'u1');
    assert.deepEqual(result, { userId: 'u1', flags: { 'new-voice': false, b: false }, reasons: { 'new-voice': { reason: 'DENY_LIST' }, b: { reason: 'KILL_SWITCH' } } });
  });
});

describe('experiment variants', () => {
  const variants = [
    { name: 'control', weight: 50 },
    { name: 'treatment', weight: 50 },
  ];

  it('picks the same variant for the same user every time', () => {
    for (const user of USERS.slice(0, 100)) assert.equal(pickVariant('greeting', variants, user), pickVariant('greeting', variants, user));
  });

  it('splits users by weight (1000 users, 50/50 within ±5 points) and never picks a variant of weight 0', () => {
    const treated = USERS.filter((user) => pickVariant('greeting', variants, user) === 'treatment').length;
    assert.ok(Math.abs(treated / 10 - 50) <= 5, `treatment got ${treated / 10} %`);
    const zero = [{ name: 'control', weight: 0 }, { name: 'treatment', weight: 3 }];
    assert.ok(USERS.every((user) => pickVariant('greeting', zero, user) === 'treatment'));
  });

  it('refuses an experiment without any weight', () => {
    assert.throws(() => pickVariant('greeting', [{ name: 'a', weight: 0 }], 'u1'), /no variant with a weight above 0/);
  });
});
