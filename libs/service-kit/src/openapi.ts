import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { ErrorEnvelopeSchema, HEALTH_MEDIA_TYPE, HealthBodySchema } from '@ai-ninja/contracts';

/** The HTTP methods a route can have. */
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** One documented response of a route. */
export interface ResponseSpec {
  readonly description: string;
  /** The JSON body; omitted for responses without one (204) or that are not JSON. */
  readonly schema?: z.ZodType;
  /** The media type when it is not JSON, e.g. `audio/wav`. */
  readonly mediaType?: string;
}

/**
 * A service's OpenAPI document, built from the same zod schemas that validate its requests, so the two cannot
 * drift apart.
 */
export class OpenApiDocument {
  readonly registry = new OpenAPIRegistry();
  readonly #errorEnvelope = this.registry.register('ErrorEnvelope', ErrorEnvelopeSchema);
  readonly #bearer = this.registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A user access token from user-management (ES256), or a service credential (HS256) between services',
  });
  #cached: object | undefined;

  constructor(
    private readonly title: string,
    private readonly version: string,
  ) {
    const healthBody = this.registry.register('HealthBody', HealthBodySchema);
    const health = (path: string, summary: string, unavailable: boolean) =>
      this.registry.registerPath({
        method: 'get',
        path,
        summary,
        tags: ['health'],
        responses: {
          200: { description: 'Healthy', content: { [HEALTH_MEDIA_TYPE]: { schema: healthBody } } },
          ...(unavailable ? { 503: { description: 'Failing or shutting down', content: { [HEALTH_MEDIA_TYPE]: { schema: healthBody } } } } : {}),
        },
      });
    health('/health', 'Summary for people and container health checks', true);
    health('/health/ready', 'Readiness: required dependencies pass and shutdown has not begun', true);
    health('/health/live', 'Liveness: the process answers; dependencies are never checked', false);
  }

  /** Documents one route. `path` uses OpenAPI's `{param}` syntax. */
  addRoute(route: {
    method: HttpMethod;
    path: string;
    summary: string;
    description?: string;
    tags?: string[];
    request?: { params?: z.ZodType; query?: z.ZodType; body?: z.ZodType };
    responses: Readonly<Record<number, ResponseSpec>>;
    /** Who may call it, as the route declares; anything but `public` needs a bearer token. */
    auth?: unknown;
  }): void {
    this.#cached = undefined;
    const { params, query, body } = route.request ?? {};
    const responses: Record<string, { description: string; content?: Record<string, { schema: z.ZodType }> }> = {};
    for (const [status, spec] of Object.entries(route.responses)) {
      responses[status] = {
        description: spec.description,
        ...(spec.schema ? { content: { [spec.mediaType ?? 'application/json']: { schema: spec.schema } } } : {}),
      };
    }
    if (params || query || body) {
      responses['400'] ??= { description: 'The request failed validation', content: { 'application/json': { schema: this.#errorEnvelope } } };
    }
    const secured = route.auth !== undefined && route.auth !== 'public';
    if (secured) {
      const envelope = { content: { 'application/json': { schema: this.#errorEnvelope } } };
      responses['401'] ??= { description: 'No valid bearer token (UNAUTHENTICATED)', ...envelope };
      responses['403'] ??= { description: `The caller may not do this (FORBIDDEN): ${describeAuth(route.auth)}`, ...envelope };
    }
    responses['default'] = { description: 'An error, in the error envelope', content: { 'application/json': { schema: this.#errorEnvelope } } };
    this.registry.registerPath({
      method: route.method,
      path: route.path,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      ...(route.tags ? { tags: route.tags } : {}),
      // OpenAPI 3.1 lets a bearer requirement list role names: who may call it, machine-readable for clients and tests.
      ...(secured ? { security: [{ [this.#bearer.name]: securityRoles(route.auth) }] } : {}),
      request: {
        ...(params ? { params: params as never } : {}),
        ...(query ? { query: query as never } : {}),
        ...(body ? { body: { required: true, content: { 'application/json': { schema: body } } } } : {}),
      },
      responses,
    });
  }

  /** The OpenAPI 3.1 document; generated once and kept until a route is added. */
  toJSON(): object {
    this.#cached ??= new OpenApiGeneratorV31(this.registry.definitions).generateDocument({
      openapi: '3.1.0',
      info: { title: this.title, version: this.version },
    });
    return this.#cached;
  }
}

/** The roles a route's bearer requirement lists: none for any signed-in caller, else `owner`, `admin` or `service`. */
function securityRoles(auth: unknown): string[] {
  if (auth === 'service' || auth === 'admin') return [auth];
  if (typeof auth === 'object' && auth !== null) return ['owner'];
  return [];
}

function describeAuth(auth: unknown): string {
  if (auth === 'user') return 'any signed-in user or service';
  if (auth === 'service') return 'services of the system only';
  if (auth === 'admin') return 'admins and services only';
  return 'the user who owns the data, an admin, or a service';
}
