import type { Request, Response, Router } from 'express';
import type { z } from 'zod';
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
  definition: RouteDefinition<P, Q, B>,
): void {
  const { method, path, handler, request = {} } = definition;
  openapi.addRoute({ ...definition, request });
  router[method](toExpressPath(path), async (req, res) => {
    const input = {
      params: request.params ? validate(request.params, req.params, 'params') : req.params,
      query: request.query ? validate(request.query, req.query, 'query') : req.query,
      body: request.body ? validate(request.body, req.body, 'body') : undefined,
    } as RouteInput<P, Q, B>;
    const result = await handler(input, req, res);
    if (!result) return;
    res.status(result.status).set(result.headers ?? {});
    if (result.body === undefined) res.end();
    else res.json(result.body);
  });
}
