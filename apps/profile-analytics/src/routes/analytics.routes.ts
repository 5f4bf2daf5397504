import {
  AnalyzeCallEndpoint,
  AnalyzeCallResultSchema,
  CallerProfileSchema,
  CallTrendsEndpoint,
  CallTrendsSchema,
  ErrorEnvelopeSchema,
  GetCallerProfileEndpoint,
  UpdateCallerProfileEndpoint,
  UpdateCallerProfileResultSchema,
} from '@ai-ninja/contracts';
import type { Service } from '@ai-ninja/service-kit';
import type { AnalyticsService } from '../domain/analytics.service.js';

const error = (description: string) => ({ description, schema: ErrorEnvelopeSchema });

/** profile-analytics's API, declared from the endpoints of libs/contracts its callers use. */
export function registerRoutes(service: Service, analytics: AnalyticsService): void {
  service.route({
    method: 'post',
    path: UpdateCallerProfileEndpoint.path,
    summary: UpdateCallerProfileEndpoint.summary,
    description: 'For services (smart-whitelist reports users’ verdicts here) and admins. Idempotent with eventId or callId.',
    tags: ['profiles'],
    auth: 'admin',
    request: { body: UpdateCallerProfileEndpoint.body },
    responses: { 200: { description: 'The profile after the event', schema: UpdateCallerProfileResultSchema }, 400: error('Invalid event') },
    handler: async ({ body }) => ({ status: 200, body: await analytics.update(body) }),
  });

  service.route({
    method: 'get',
    path: GetCallerProfileEndpoint.path,
    summary: GetCallerProfileEndpoint.summary,
    description: 'Global data about a number (no user’s private data): any signed-in user or service may read it.',
    tags: ['profiles'],
    auth: 'user',
    request: { params: GetCallerProfileEndpoint.params },
    responses: { 200: { description: 'The profile', schema: CallerProfileSchema }, 404: error('PROFILE_NOT_FOUND: never seen') },
    handler: async ({ params }) => ({ status: 200, body: await analytics.getProfile(params.phone) }),
  });

  service.route({
    method: 'post',
    path: AnalyzeCallEndpoint.path,
    summary: AnalyzeCallEndpoint.summary,
    tags: ['calls'],
    auth: 'service',
    request: { body: AnalyzeCallEndpoint.body },
    responses: {
      200: { description: 'The analysis (the stored one when the call was analysed before)', schema: AnalyzeCallResultSchema },
      400: error('Invalid call'),
    },
    handler: async ({ body }) => ({ status: 200, body: await analytics.analyze(body) }),
  });

  service.route({
    method: 'get',
    path: CallTrendsEndpoint.path,
    summary: CallTrendsEndpoint.summary,
    tags: ['trends'],
    auth: { owner: ({ params }) => params.userId },
    request: { params: CallTrendsEndpoint.params, query: CallTrendsEndpoint.query },
    responses: { 200: { description: 'Counts per day and per category', schema: CallTrendsSchema } },
    handler: async ({ params, query }) => ({ status: 200, body: await analytics.trends(params.userId, query.days) }),
  });
}
