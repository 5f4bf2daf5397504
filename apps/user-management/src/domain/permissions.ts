import { ROLES, type Role } from '@ai-ninja/contracts';

/**
 * What each role allows. `:own` permissions act on the user's own data only; `:any` on every user's. The services
 * enforce them through the route rules (owner, admin); this list says the same in words, for clients and people.
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly string[]>> = {
  user: [
    'profile:read:own',
    'profile:update:own',
    'phone-numbers:manage:own',
    'preferences:manage:own',
    'mfa:manage:own',
    'whitelist:manage:own',
    'calls:read:own',
    'analytics:read:own',
  ],
  admin: ['profile:read:any', 'profile:update:any', 'phone-numbers:manage:any', 'preferences:manage:any', 'roles:manage', 'whitelist:manage:any', 'calls:read:any', 'analytics:read:any', 'configuration:manage', 'monitoring:read'],
};

/** The permissions granted by `roles`, sorted and without duplicates. */
export function permissionsOf(roles: readonly Role[]): string[] {
  return [...new Set(roles.flatMap((role) => ROLE_PERMISSIONS[role]))].sort();
}

/** `roles` with `user` always in (every account is a user), in the catalog's order, without duplicates. */
export function normaliseRoles(roles: readonly Role[]): Role[] {
  const wanted = new Set<Role>(['user', ...roles]);
  return ROLES.filter((role) => wanted.has(role));
}
