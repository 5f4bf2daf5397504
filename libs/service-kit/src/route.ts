import type { Request, Response, Router } from 'express';
import type { z } from 'zod';
import type { Principal } from '@ai-ninja/contracts';
import { assertCanAccess, authorize, type Authenticator, type RouteAuth } from './auth.js';
import type { HttpMethod, OpenApiDocument, ResponseSpec } from './openapi.js';
import { validate } from './validation.js';

/** What a handler answers: a status, a JSON body, and headers. */
export interface RouteResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The validated input of a route, typed from its schemas. */
export interface RouteInput<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  readonly params: z.output<P>;
  readonly query: z.output<Q>;
  readonly body: z.output<B>;
  /** Who is asking; undefined only on public routes called without a token. */
  readonly principal: Principal | undefined;
}

/** A route: its documentation, the schemas that validate its input, and its handler. */
export interface RouteDefinition<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  readonly method: HttpMethod;
  /** OpenAPI syntax, `/api/v1/whitelist/{userId}`; the express pattern is derived from it. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags?: string[];
  readonly request?: { readonly params?: P; readonly query?: Q; readonly body?: B };
  /**
   * Who may call it: `'public'`, `'user'` (any signed-in user or service), `'service'`, `'admin'` (or a service), or
   * `{ owner: (input) => userId }` (that user, an admin, or a service). No token → 401, the wrong caller → 403.
   */
  readonly auth: RouteAuth<RouteInput<P, Q, B>>;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  /**
   * Returns the response, or writes it itself (a stream, a file) and returns nothing. Throwing an AppError
   * answers with its status and code.
   */
  readonly handler: (input: RouteInput<P, Q, B>, req: Request, res: Response) => Promise<RouteResult | void> | RouteResult | void;
}

/** `/a/{id}/b` → `/a/:id/b`. */
export const toExpressPath = (openApiPath: string): string => openApiPath.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');

/** Registers a route on `router` and documents it in `openapi`: one definition, validated and documented alike. */
export function addRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  router: Router,
  openapi: OpenApiDocument,
  authenticator: Authenticator,
  definition: RouteDefinition<P, Q, B>,
): void {
  const { method, path, handler, auth, request = {} } = definition;
  openapi.addRoute({ ...definition, request });
  router[method](toExpressPath(path), async (req, res) => {
    // Who asks is settled before the input is read: a request without a valid token learns nothing from validation.
    const principal = auth === 'public' && req.headers.authorization === undefined ? undefined : await authenticator.authenticate(req.headers.authorization);
    authorize(typeof auth === 'string' ? auth : 'user', principal);
    req.principal = principal;
    const input = {
      params: request.params ? validate(request.params, req.params, 'params') : req.params,
      query: request.query ? validate(request.query, req.query, 'query') : req.query,
      body: request.body ? validate(request.body, req.body, 'body') : undefined,
      principal,
    } as RouteInput<P, Q, B>;
    if (typeof auth === 'object') assertCanAccess(principal, auth.owner(input));
    const result = await handler(input, req, res);
    if (!result) return;
    res.status(result.status).set(result.headers ?? {});
    if (result.body === undefined) res.end();
    else res.json(result.body);
  });
}
