import {
  AddPhoneNumberRequestSchema,
  ErrorEnvelopeSchema,
  GetUserEndpoint,
  HostedNumberLookupEndpoint,
  HostedNumberSchema,
  PhoneNumberSchema,
  SetRolesRequestSchema,
  UpdateUserRequestSchema,
  UserIdParamsSchema,
  UserPermissionsEndpoint,
  UserPermissionsSchema,
  UserPreferencesSchema,
  UserSchema,
  type Principal,
} from '@ai-ninja/contracts';
import type { Service } from '@ai-ninja/service-kit';
import type { UsersService } from '../domain/users.service.js';

const error = (description: string) => ({ description, schema: ErrorEnvelopeSchema });
const tags = ['users'];
/** Every user-scoped route: the user, an admin, or a service. */
const owner = { owner: ({ params }: { params: { id: string } }) => params.id };
const notFound = error('USER_NOT_FOUND');

/** `/api/v1/users/...`: profiles, hosted numbers, preferences, roles, and phone-gateway's lookup. */
export function registerUserRoutes(service: Service, users: UsersService): void {
  service.route({
    method: HostedNumberLookupEndpoint.method,
    path: HostedNumberLookupEndpoint.path,
    summary: HostedNumberLookupEndpoint.summary,
    tags,
    auth: 'service',
    request: { params: HostedNumberLookupEndpoint.params },
    responses: { 200: { description: 'The owner and their preferences', schema: HostedNumberSchema }, 404: error('NUMBER_NOT_HOSTED') },
    handler: async ({ params }) => ({ status: 200, body: await users.lookupByPhone(params.phone) }),
  });

  service.route({
    method: GetUserEndpoint.method,
    path: GetUserEndpoint.path,
    summary: GetUserEndpoint.summary,
    tags,
    auth: owner,
    request: { params: UserIdParamsSchema },
    responses: { 200: { description: 'The user', schema: UserSchema }, 404: notFound },
    handler: async ({ params }) => ({ status: 200, body: await users.get(params.id) }),
  });

  service.route({
    method: 'patch',
    path: '/api/v1/users/{id}',
    summary: 'Change a user’s profile (display name)',
    tags,
    auth: owner,
    request: { params: UserIdParamsSchema, body: UpdateUserRequestSchema },
    responses: { 200: { description: 'The user', schema: UserSchema }, 404: notFound },
    handler: async ({ params, body }) => ({ status: 200, body: await users.update(params.id, body) }),
  });

  service.route({
    method: 'post',
    path: '/api/v1/users/{id}/phones',
    summary: 'Host a phone number: calls to it are screened for this user',
    tags,
    auth: owner,
    request: { params: UserIdParamsSchema, body: AddPhoneNumberRequestSchema },
    responses: {
      201: { description: 'Added; the user with their numbers', schema: UserSchema },
      200: { description: 'The user hosts it already', schema: UserSchema },
      404: notFound,
      409: error('PHONE_NUMBER_TAKEN: another account hosts it'),
    },
    handler: async ({ params, body }) => {
      const { created, user } = await users.addPhone(params.id, body.phone);
      return { status: created ? 201 : 200, body: user };
    },
  });

  service.route({
    method: 'delete',
    path: '/api/v1/users/{id}/phones/{phone}',
    summary: 'Stop hosting a phone number',
    tags,
    auth: owner,
    request: { params: UserIdParamsSchema.extend({ phone: PhoneNumberSchema }) },
    responses: { 204: { description: 'Removed' }, 404: error('USER_NOT_FOUND or PHONE_NUMBER_NOT_FOUND') },
    handler: async ({ params }) => {
      await users.removePhone(params.id, params.phone);
      return { status: 204 };
    },
  });

  service.route({
    method: 'get',
    path: '/api/v1/users/{id}/preferences',
    summary: 'A user’s call preferences',
    tags,
    auth: owner,
    request: { params: UserIdParamsSchema },
    responses: { 200: { description: 'The preferences', schema: UserPreferencesSchema }, 404: notFound },
    handler: async ({ params }) => ({ status: 200, body: (await users.get(params.id)).preferences }),
  });

  service.route({
    method: 'put',
    path: '/api/v1/users/{id}/preferences',
    summary: 'Replace a user’s call preferences (omitted fields take their defaults)',
    tags,
    auth: owner,
    request: { params: UserIdParamsSchema, body: UserPreferencesSchema.strict() },
    responses: { 200: { description: 'The preferences', schema: UserPreferencesSchema }, 404: notFound },
    handler: async ({ params, body }) => ({ status: 200, body: await users.setPreferences(params.id, body) }),
  });

  service.route({
    method: UserPermissionsEndpoint.method,
    path: UserPermissionsEndpoint.path,
    summary: UserPermissionsEndpoint.summary,
    tags,
    auth: owner,
    request: { params: UserIdParamsSchema },
    responses: { 200: { description: 'Roles and permissions', schema: UserPermissionsSchema }, 404: notFound },
    handler: async ({ params }) => ({ status: 200, body: await users.permissions(params.id) }),
  });

  service.route({
    method: 'put',
    path: '/api/v1/users/{id}/roles',
    summary: 'Replace a user’s roles (admins only; `user` is always kept). Tokens carry them from the next refresh',
    tags,
    auth: 'admin',
    request: { params: UserIdParamsSchema, body: SetRolesRequestSchema },
    responses: { 200: { description: 'The new roles and permissions', schema: UserPermissionsSchema }, 404: notFound },
    handler: async ({ params, body, principal }) => ({ status: 200, body: await users.setRoles(params.id, body.roles, describe(principal!)) }),
  });
}

/** Who acted, for the log. */
function describe(principal: Principal): string {
  return principal.kind === 'user' ? principal.userId : `service:${principal.service}`;
}
