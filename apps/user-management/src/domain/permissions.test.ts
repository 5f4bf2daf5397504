import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseRoles, permissionsOf } from './permissions.js';
import { totpCode, totpStep } from './totp.js';

describe('roles and permissions', () => {
  it('derives a sorted permission list without duplicates; admins get every user permission and more', () => {
    const user = permissionsOf(['user']);
    const admin = permissionsOf(['user', 'admin']);
    assert.deepEqual(user, [...user].sort());
    assert.equal(new Set(admin).size, admin.length);
    assert.ok(user.every((permission) => admin.includes(permission)));
    assert.ok(admin.includes('roles:manage') && !user.includes('roles:manage'));
  });

  it('always keeps the user role, in the catalog order', () => {
    assert.deepEqual(normaliseRoles(['admin']), ['user', 'admin']);
    assert.deepEqual(normaliseRoles(['admin', 'user', 'admin']), ['user', 'admin']);
    assert.deepEqual(normaliseRoles([]), ['user']);
  });
});

describe('TOTP (RFC 6238)', () => {
  // RFC 6238 appendix B, SHA-1 secret "12345678901234567890" (base32 below): 8-digit 94287082 at 59 s → 6 digits 287082.
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
  it('matches the RFC test vector and accepts one step of drift either way, not two', () => {
    assert.equal(totpCode(secret, 59_000), '287082');
    assert.equal(totpStep(secret, '287082', 59_000), 1);
    assert.equal(totpStep(secret, '287082', 89_000), 1, 'the previous step, one step late');
    assert.equal(totpStep(secret, '287082', 119_000), undefined, 'two steps late');
    // Codes of steps 0, 1, 2 are 755224, 287082, 359152 (RFC 4226 vectors): anything else is refused.
    assert.equal(totpStep(secret, '755224', 59_000), 0);
    assert.equal(totpStep(secret, '287083', 59_000), undefined);
  });
});
