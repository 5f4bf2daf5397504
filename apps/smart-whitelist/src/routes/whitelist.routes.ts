import {
  AddWhitelistEntryBodySchema,
  ErrorEnvelopeSchema,
  EvaluatePhoneEndpoint,
  ImportContactsBodySchema,
  ImportContactsResultSchema,
  LearningBodySchema,
  LearningResultSchema,
  PhoneInputSchema,
  SmartAddBodySchema,
  WhitelistDecisionSchema,
  WhitelistEntryResultSchema,
  WhitelistListQuerySchema,
  WhitelistPageSchema,
  WhitelistRulesBodySchema,
  WhitelistRulesSchema,
  z,
} from '@ai-ninja/contracts';
import { assertCanAccess, type Service } from '@ai-ninja/service-kit';
import type { WhitelistService } from '../domain/whitelist.service.js';

const UserParams = z.object({ userId: z.string().min(1).max(128) });
const error = (description: string) => ({ description, schema: ErrorEnvelopeSchema });
const owner = { owner: ({ params }: { params: { userId: string } }) => params.userId };

/**
 * smart-whitelist's API. Routes with a fixed second segment (`evaluate`, `rules`, `learning`) are registered before
 * `/{userId}`, which would otherwise take them for user ids.
 */
export function registerRoutes(service: Service, whitelist: WhitelistService): void {
  service.route({
    method: 'get',
    path: EvaluatePhoneEndpoint.path,
    summary: EvaluatePhoneEndpoint.summary,
    description:
      'Combines the user’s entries, the user’s rules and the caller’s profile from profile-analytics. A user may evaluate for themselves only (userId defaults to them); services and admins for anyone, or without userId for the caller’s profile alone. Answers even when profile-analytics is down, saying so in `reasons`.',
    tags: ['evaluation'],
    auth: 'user',
    request: { params: EvaluatePhoneEndpoint.params, query: EvaluatePhoneEndpoint.query },
    responses: { 200: { description: 'The decision', schema: WhitelistDecisionSchema }, 400: error('Not an E.164 number'), 403: error('Another user’s evaluation') },
    handler: async ({ params, query, principal }) => {
      const userId = query.userId ?? (principal?.kind === 'user' ? principal.userId : undefined);
      if (userId !== undefined) assertCanAccess(principal, userId);
      return { status: 200, body: await whitelist.evaluate(params.phone, userId) };
    },
  });

  service.route({
    method: 'get',
    path: '/api/v1/whitelist/rules/{userId}',
    summary: 'A user’s rules (the defaults until they set some)',
    tags: ['rules'],
    auth: owner,
    request: { params: UserParams },
    responses: { 200: { description: 'The rules', schema: WhitelistRulesSchema } },
    handler: async ({ params }) => ({ status: 200, body: await whitelist.getRules(params.userId) }),
  });

  service.route({
    method: 'put',
    path: '/api/v1/whitelist/rules/{userId}',
    summary: 'Replace a user’s rules: blocked prefixes and numbers, contacts-only mode, allowed and blocked categories, spam threshold',
    tags: ['rules'],
    auth: owner,
    request: { params: UserParams, body: WhitelistRulesBodySchema },
    responses: { 200: { description: 'The rules now', schema: WhitelistRulesSchema }, 400: error('Invalid rules or number') },
    handler: async ({ params, body }) => ({ status: 200, body: await whitelist.putRules(params.userId, body) }),
  });

  service.route({
    method: 'post',
    path: '/api/v1/whitelist/learning',
    summary: 'A user’s verdict on a caller (wanted or spam): updates their whitelist and blocked numbers, and the caller’s global profile',
    description:
      'wanted: a learned entry (or a higher confidence), and the number leaves the blocked numbers. spam: learned entries are removed and the number is blocked (an entry the user added stays). The report to profile-analytics is kept in an outbox until it is taken.',
    tags: ['learning'],
    auth: { owner: ({ body }) => body.userId },
    request: { body: LearningBodySchema },
    responses: { 200: { description: 'What changed', schema: LearningResultSchema }, 400: error('Invalid number') },
    handler: async ({ body }) => ({ status: 200, body: await whitelist.learn(body) }),
  });

  service.route({
    method: 'get',
    path: '/api/v1/whitelist/{userId}',
    summary: 'A user’s whitelist, a page at a time, ordered by phone number',
    tags: ['whitelist'],
    auth: owner,
    request: { params: UserParams, query: WhitelistListQuerySchema },
    responses: { 200: { description: 'One page', schema: WhitelistPageSchema }, 400: error('Invalid cursor or page') },
    handler: async ({ params, query }) => ({ status: 200, body: await whitelist.list(params.userId, query) }),
  });

  service.route({
    method: 'post',
    path: '/api/v1/whitelist/{userId}',
    summary: 'Add a number to a user’s whitelist (or change its entry); national formats are read in WHITELIST_DEFAULT_REGION',
    tags: ['whitelist'],
    auth: owner,
    request: { params: UserParams, body: AddWhitelistEntryBodySchema },
    responses: {
      201: { description: 'Added', schema: WhitelistEntryResultSchema },
      200: { description: 'The number was on the list: its entry changed', schema: WhitelistEntryResultSchema },
      400: error('Invalid number or expiry'),
    },
    handler: async ({ params, body }) => {
      const result = await whitelist.add(params.userId, body);
      return { status: result.created ? 201 : 200, body: result };
    },
  });

  service.route({
    method: 'delete',
    path: '/api/v1/whitelist/{userId}/{phone}',
    summary: 'Remove a number from a user’s whitelist',
    tags: ['whitelist'],
    auth: owner,
    request: { params: UserParams.extend({ phone: PhoneInputSchema }) },
    responses: { 204: { description: 'Removed' }, 404: error('Not on the whitelist') },
    handler: async ({ params }) => {
      await whitelist.remove(params.userId, params.phone);
      return { status: 204 };
    },
  });

  service.route({
    method: 'post',
    path: '/api/v1/whitelist/{userId}/smart-add',
    summary: 'Add a learned entry from what the user did (called back, answered a long call…), with a confidence',
    tags: ['whitelist'],
    auth: owner,
    request: { params: UserParams, body: SmartAddBodySchema },
    responses: {
      201: { description: 'Learned', schema: WhitelistEntryResultSchema },
      200: { description: 'The number was on the list: a learned entry gained confidence, a manual one is unchanged', schema: WhitelistEntryResultSchema },
      400: error('Invalid number'),
    },
    handler: async ({ params, body }) => {
      const result = await whitelist.smartAdd(params.userId, body);
      return { status: result.created ? 201 : 200, body: result };
    },
  });

  service.route({
    method: 'post',
    path: '/api/v1/whitelist/{userId}/import',
    summary: 'Import up to 5000 contacts as manual entries, in one transaction; each number is validated on its own',
    tags: ['whitelist'],
    auth: owner,
    request: { params: UserParams, body: ImportContactsBodySchema },
    responses: { 200: { description: 'How many were added, updated, and which were invalid and why', schema: ImportContactsResultSchema }, 400: error('Not a list of contacts') },
    handler: async ({ params, body }) => ({ status: 200, body: await whitelist.importContacts(params.userId, body.contacts) }),
  });
}
