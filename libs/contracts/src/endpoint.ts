import type { z } from './zod.js';
import type { ServiceName } from './catalog.js';

/** The HTTP methods of the APIs. */
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * One API of one service, written once: the server validates and documents its routes from it, and the
 * ServiceClient builds its typed call from it (request validated before sending, response validated on arrival).
 */
export interface Endpoint<
  P extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
  R extends z.ZodType = z.ZodType,
> {
  readonly service: ServiceName;
  readonly method: HttpMethod;
  /** OpenAPI syntax: `/api/v1/whitelist/evaluate/{phone}`. */
  readonly path: string;
  readonly summary: string;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /** The body of a successful answer. */
  readonly response: R;
  /** Statuses that carry `response`; anything else is an error. Default [200]. */
  readonly successStatuses?: readonly number[];
  /** `text`: the body is not JSON and `response` validates it as a string (Prometheus `/metrics`). Default `json`. */
  readonly responseType?: 'json' | 'text';
}

/** What a caller passes to call an endpoint, typed from its schemas. */
export type EndpointInput<E extends Endpoint> = (E['params'] extends z.ZodType ? { readonly params: z.input<E['params']> } : unknown) &
  (E['query'] extends z.ZodType ? { readonly query: z.input<E['query']> } : unknown) &
  (E['body'] extends z.ZodType ? { readonly body: z.input<E['body']> } : unknown);

/** What a successful call of an endpoint returns. */
export type EndpointOutput<E extends Endpoint> = z.output<E['response']>;

/** Declares an endpoint, keeping its exact schema types. */
export function defineEndpoint<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends z.ZodType = z.ZodType,
>(endpoint: Endpoint<P, Q, B, R>): Endpoint<P, Q, B, R> {
  return endpoint;
}
