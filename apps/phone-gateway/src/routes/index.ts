import { timingSafeEqual } from 'node:crypto';
import {
  CallListSchema,
  CallStatusSchema,
  ConversationEndedEndpoint,
  IncomingCallRequestSchema,
  IncomingCallResponseSchema,
  z,
} from '@ai-ninja/contracts';
import { AppError, type Service } from '@ai-ninja/service-kit';
import type { CallService } from '../domain/call.service.js';

const CallParams = z.object({ callId: z.string().min(1).max(128) });
const ActionParams = CallParams.extend({ action: z.enum(['answer', 'transfer', 'hangup', 'filter']) });
const ListQuery = z.object({
  userId: z.string().min(1).max(128),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(300).optional(),
});

/** phone-gateway's routes: the provider's webhook, the calls API, and realtime-processor's report. */
export function registerRoutes(service: Service, calls: CallService, webhookToken: string | undefined): void {
  if (!webhookToken) service.logger.warn('PHONE_WEBHOOK_TOKEN is not set: /webhook/incoming-call accepts calls from anyone (development only)');
  const expected = webhookToken ? Buffer.from(webhookToken) : undefined;

  service.route({
    method: 'post',
    path: '/webhook/incoming-call',
    summary: 'A call comes in: decide transfer, ai_answer or reject (idempotent on callId)',
    description:
      'Finds the user who hosts the dialled number, evaluates the caller with smart-whitelist and reads the caller profile from profile-analytics in parallel under one deadline (DECISION_TIMEOUT_MS). A missing dependency degrades the decision and the reasons say so; the call is never dropped. For ai_answer, answers the WebSocket address and a call token. The provider authenticates with `X-Webhook-Token` (PHONE_WEBHOOK_TOKEN); services with their credential.',
    tags: ['calls'],
    auth: 'public',
    request: { body: IncomingCallRequestSchema },
    responses: {
      200: { description: 'The decision', schema: IncomingCallResponseSchema },
      401: { description: 'No valid webhook token (UNAUTHENTICATED)' },
      404: { description: 'Nobody hosts the dialled number (NUMBER_NOT_HOSTED)' },
      409: { description: 'The callId was received before with other numbers (CALL_ID_REUSED)' },
    },
    handler: async ({ body, principal }, req) => {
      if (expected && principal?.kind !== 'service') {
        const given = Buffer.from(String(req.headers['x-webhook-token'] ?? ''));
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          throw new AppError(401, 'UNAUTHENTICATED', 'The webhook needs the provider’s X-Webhook-Token');
        }
      }
      return { status: 200, body: await calls.incoming(body) };
    },
  });

  service.route({
    method: 'get',
    path: '/api/v1/calls',
    summary: 'A user’s calls, newest first',
    tags: ['calls'],
    auth: { owner: ({ query }) => query.userId },
    request: { query: ListQuery },
    responses: { 200: { description: 'One page of calls', schema: CallListSchema } },
    handler: async ({ query }) => ({ status: 200, body: await calls.list(query.userId, query.limit, query.cursor) }),
  });

  service.route({
    method: 'get',
    path: '/api/v1/calls/{callId}/status',
    summary: 'A call’s state and decision',
    tags: ['calls'],
    auth: 'user',
    request: { params: CallParams },
    responses: { 200: { description: 'The call', schema: CallStatusSchema }, 404: { description: 'No such call (CALL_NOT_FOUND)' } },
    handler: async ({ params, principal }) => ({ status: 200, body: await calls.status(params.callId, principal) }),
  });

  service.route({
    method: 'post',
    path: ConversationEndedEndpoint.path,
    summary: ConversationEndedEndpoint.summary,
    tags: ['calls'],
    auth: 'service',
    request: { params: ConversationEndedEndpoint.params, body: ConversationEndedEndpoint.body },
    responses: { 200: { description: 'The completed call', schema: CallStatusSchema }, 404: { description: 'No such call (CALL_NOT_FOUND)' } },
    handler: async ({ params, body }) => ({ status: 200, body: await calls.conversationEnded(params.callId, body) }),
  });

  service.route({
    method: 'post',
    path: '/api/v1/calls/{callId}/{action}',
    summary: 'Answer (by the AI), transfer, filter or hang up a call',
    description:
      'Allowed transitions: answer from incoming or transferring; transfer and filter from incoming, ai_answering or transferring; hangup from any state but completed. Anything else is 409 INVALID_CALL_TRANSITION.',
    tags: ['calls'],
    auth: 'user',
    request: { params: ActionParams },
    responses: {
      200: { description: 'The call in its new state', schema: CallStatusSchema },
      404: { description: 'No such call (CALL_NOT_FOUND)' },
      409: { description: 'Not allowed from the call’s state (INVALID_CALL_TRANSITION)' },
    },
    handler: async ({ params, principal }) => ({ status: 200, body: await calls.act(params.callId, params.action, principal) }),
  });
}
