import type { Jwks } from '@ai-ninja/contracts';
import type { Service } from '@ai-ninja/service-kit';
import type { AuthService } from '../domain/auth.service.js';
import type { UsersService } from '../domain/users.service.js';
import { registerAuthRoutes } from './auth.routes.js';
import { registerUserRoutes } from './users.routes.js';

/** user-management's routes: authentication, the JWKS, and users. */
export function registerRoutes(service: Service, domain: { auth: AuthService; users: UsersService; jwks: Jwks }): void {
  registerAuthRoutes(service, domain.auth, domain.jwks);
  registerUserRoutes(service, domain.users);
}
