import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';

describe('passwords', () => {
  it('hashes with argon2id (salted: the same password twice gives two hashes) and verifies', async () => {
    const [one, two] = await Promise.all([hashPassword('correct horse battery staple'), hashPassword('correct horse battery staple')]);
    assert.match(one, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.notEqual(one, two);
    assert.equal(await verifyPassword(one, 'correct horse battery staple'), true);
    assert.equal(await verifyPassword(one, 'correct horse battery stapl'), false);
    assert.equal(await verifyPassword('not a hash', 'anything'), false);
  });

  it('refuses trivial passwords and the e-mail address, and accepts a passphrase', () => {
    const email = 'ada.lovelace@example.com';
    assert.equal(passwordProblem('correct horse battery staple', email), undefined);
    assert.equal(passwordProblem('Tr0ub4dor&3x', email), undefined);
    for (const weak of ['aaaaaaaaaaaa', 'abababababab', '1234567890', 'qwertyuiop', 'password1234', 'ADA.LOVELACE-2024', email]) {
      assert.ok(passwordProblem(weak, email), weak);
    }
  });
});
