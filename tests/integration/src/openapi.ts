/**
 * The services' OpenAPI documents as test input: every operation with its parameters, body and documented responses;
 * a validator of bodies against the documents' JSON Schemas (OpenAPI 3.1 is JSON Schema 2020-12); and a generator of
 * valid values from those schemas. New routes are covered by the contract and fuzz tests without touching them.
 */
import { randomUUID } from 'node:crypto';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import * as contracts from '@ai-ninja/contracts';
import { getService, type Endpoint, type ServiceName } from '@ai-ninja/contracts';

// ajv-formats is CommonJS: its default export is the plugin function.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** A JSON Schema as the documents carry it. */
export type JsonSchema = { readonly [keyword: string]: any };

/** An OpenAPI 3.1 document, the parts the tests read. */
export interface OpenApiDoc {
  readonly openapi: string;
  readonly info: { readonly title: string; readonly version: string };
  readonly paths: Record<string, Record<string, any>>;
  readonly components?: { readonly schemas?: Record<string, JsonSchema>; readonly securitySchemes?: Record<string, unknown> };
}

/** Who may call an operation, read back from what the kit documents (`security` and the 403 description). */
export type OperationAuth = 'public' | 'user' | 'owner' | 'service' | 'admin';

/** One parameter of an operation. */
export interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required: boolean;
  readonly schema: JsonSchema;
}

/** One documented response. */
export interface DocumentedResponse {
  readonly description: string;
  /** Media type → schema (absent: no body documented). */
  readonly content?: Record<string, { schema?: JsonSchema }>;
}

/** One operation (method + path) of one service. */
export interface Operation {
  readonly service: ServiceName;
  readonly method: string;
  /** OpenAPI syntax: `/api/v1/whitelist/{userId}`. */
  readonly path: string;
  readonly summary: string;
  readonly auth: OperationAuth;
  readonly parameters: readonly Parameter[];
  /** The request body: its media type and schema, when the operation takes one. */
  readonly body?: { readonly mediaType: string; readonly schema: JsonSchema };
  readonly responses: Readonly<Record<string, DocumentedResponse>>;
  /** The shared contract of this route in libs/contracts, when one exists. */
  readonly endpoint?: Endpoint;
  /** `METHOD path`, for messages. */
  readonly id: string;
}

/** Every `defineEndpoint(...)` of libs/contracts, including each service's `/internal/spans`. */
export function contractEndpoints(): Endpoint[] {
  const isEndpoint = (value: unknown): value is Endpoint =>
    typeof value === 'object' && value !== null && 'service' in value && 'method' in value && 'path' in value && 'response' in value;
  const found: Endpoint[] = Object.values(contracts as Record<string, unknown>).filter(isEndpoint);
  for (const name of contracts.SERVICE_NAMES) found.push(contracts.internalSpansEndpoint(name) as Endpoint);
  return found;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Who may call an operation: the kit lists the role names of its bearer requirement (OpenAPI 3.1 allows them). */
function authOf(operation: any): OperationAuth {
  const requirement = (operation.security as Array<Record<string, string[]>> | undefined)?.[0];
  if (!requirement) return 'public';
  const roles = Object.values(requirement)[0] ?? [];
  for (const role of ['service', 'admin', 'owner'] as const) if (roles.includes(role)) return role;
  return 'user';
}

/** The operations of a service's document, each joined with its contract in libs/contracts when it has one. */
export function operationsOf(service: ServiceName, doc: OpenApiDoc, endpoints: readonly Endpoint[] = contractEndpoints()): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const content: Record<string, { schema?: JsonSchema }> | undefined = operation.requestBody?.content;
      const [mediaType, media] = Object.entries(content ?? {})[0] ?? [];
      const endpoint = endpoints.find((e) => e.service === service && e.method === method && e.path === path);
      operations.push({
        service,
        method,
        path,
        summary: String(operation.summary ?? ''),
        auth: authOf(operation),
        parameters: ((operation.parameters ?? []) as any[]).map((p) => ({ name: p.name, in: p.in, required: p.required === true || p.in === 'path', schema: p.schema ?? {} })),
        ...(mediaType ? { body: { mediaType, schema: media?.schema ?? {} } } : {}),
        responses: operation.responses ?? {},
        ...(endpoint ? { endpoint } : {}),
        id: `${method.toUpperCase()} ${path}`,
      });
    }
  }
  return operations;
}

/** The kit's own routes every service serves, documented or not, which the generic tests treat on their own. */
export const KIT_PATHS = ['/health', '/health/ready', '/health/live', '/internal/spans'];

/** Validates values against schemas of one document (its `$ref`s to components resolved). */
export class SchemaValidator {
  readonly #ajv = addFormats(new Ajv2020({ strict: false, allErrors: true, validateFormats: true }));
  readonly #compiled = new Map<JsonSchema, ValidateFunction>();

  constructor(private readonly doc: OpenApiDoc) {}

  /** Undefined when valid; otherwise the problems, one per line. */
  check(schema: JsonSchema, value: unknown): string | undefined {
    let validate = this.#compiled.get(schema);
    if (!validate) {
      // The components ride along with each schema, so that `#/components/schemas/X` resolves inside it.
      validate = this.#ajv.compile({ ...schema, components: this.doc.components ?? {} });
      this.#compiled.set(schema, validate);
    }
    if (validate(value)) return undefined;
    return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n');
  }

  /** The schema a `$ref` names, or the schema itself. */
  resolve(schema: JsonSchema | undefined): JsonSchema {
    let current = schema ?? {};
    for (let depth = 0; typeof current.$ref === 'string' && depth < 20; depth += 1) {
      const name = current.$ref.replace('#/components/schemas/', '');
      current = this.doc.components?.schemas?.[name] ?? {};
    }
    return current;
  }
}

/** Where an operation is reached from outside: the gateway path for it, or undefined for internal routes. */
export function gatewayPathOf(operation: Pick<Operation, 'service' | 'path'>, concretePath: string): string | undefined {
  for (const route of getService(operation.service).gatewayRoutes) {
    if (concretePath.startsWith(route.upstreamPath)) return route.path + concretePath.slice(route.upstreamPath.length);
  }
  return undefined;
}

/** Fills `{name}` placeholders of an OpenAPI path with values (URL-encoded unless `raw`). */
export function fillPath(path: string, values: Readonly<Record<string, string>>, raw = false): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, (_match, name: string) => {
    const value = values[name] ?? 'x';
    return raw ? value : encodeURIComponent(value);
  });
}

/** Strings tried against a `pattern` the generator knows nothing else about. */
const PATTERN_CANDIDATES = ['abc', 'a', 'test-1', 'A', 'abc_def', '123456', '1', 'x1', 'ABC', 'a.b', 'v1', 'GB', 'US', '2024-01-01', '12:00', 'Europe/London'];

/**
 * Valid values generated from schemas. Values of named things (a `userId`, a `phone`) come from `known` when set, so
 * one run's requests refer to the same user and numbers, and a route reading what another wrote finds it.
 */
export class ValueGenerator {
  constructor(
    private readonly validator: SchemaValidator,
    private readonly known: Readonly<Record<string, string>> = {},
  ) {}

  /** A valid value of `schema`; `all` fills optional properties too. */
  value(schema: JsonSchema | undefined, name = '', all = false, depth = 0): unknown {
    const s = this.validator.resolve(schema);
    if (depth > 8) return undefined;
    if (name && this.known[name] !== undefined && this.#fits(s, this.known[name])) return this.known[name];
    if (s.const !== undefined) return s.const;
    if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
    if (s.example !== undefined && this.#fits(s, s.example)) return s.example;
    if (Array.isArray(s.examples) && s.examples.length > 0 && this.#fits(s, s.examples[0])) return s.examples[0];
    if (s.default !== undefined && this.#fits(s, s.default)) return s.default;
    for (const key of ['anyOf', 'oneOf'] as const) {
      if (Array.isArray(s[key])) {
        const options = (s[key] as JsonSchema[]).filter((option) => this.validator.resolve(option).type !== 'null');
        return this.value(options[0] ?? s[key][0], name, all, depth + 1);
      }
    }
    if (Array.isArray(s.allOf)) return Object.assign({}, ...s.allOf.map((part: JsonSchema) => this.value(part, name, all, depth + 1)));
    const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
    switch (type) {
      case 'string':
        return this.#string(s, name);
      case 'integer':
      case 'number': {
        const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + (type === 'integer' ? 1 : 0.5) : undefined);
        const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - (type === 'integer' ? 1 : 0.5) : undefined);
        if (min !== undefined) return min;
        if (max !== undefined) return Math.min(max, 1);
        return 1;
      }
      case 'boolean':
        return true;
      case 'array': {
        const count = Math.max(1, s.minItems ?? 1);
        return Array.from({ length: Math.min(count, 3) }, () => this.value(s.items, name, all, depth + 1));
      }
      case 'object':
      case undefined: {
        if (!s.properties && type === undefined) return 'x';
        const out: Record<string, unknown> = {};
        const required: string[] = s.required ?? [];
        for (const [key, property] of Object.entries((s.properties ?? {}) as Record<string, JsonSchema>)) {
          if (!all && !required.includes(key)) continue;
          const value = this.value(property, key, all, depth + 1);
          if (value !== undefined) out[key] = value;
        }
        return out;
      }
      default:
        return null;
    }
  }

  #fits(schema: JsonSchema, value: unknown): boolean {
    return this.validator.check(schema, value) === undefined;
  }

  #string(s: JsonSchema, name: string): string {
    const lower = name.toLowerCase();
    const candidates: string[] = [];
    if (s.format === 'email' || lower.includes('email')) candidates.push(`it-${randomUUID().slice(0, 8)}@example.com`);
    if (s.format === 'date-time') candidates.push(new Date(Date.now() + 86_400_000).toISOString());
    if (s.format === 'date') candidates.push(new Date(Date.now() + 86_400_000).toISOString().slice(0, 10));
    if (s.format === 'uuid' || lower.endsWith('id')) candidates.push(randomUUID());
    if (s.format === 'uri' || s.format === 'url' || lower.includes('url')) candidates.push('https://example.com/hook');
    if (lower.includes('phone') || lower === 'from' || lower === 'to') candidates.push('+14155550142');
    if (lower.includes('password')) candidates.push(`Pw-${randomUUID()}`);
    candidates.push(...PATTERN_CANDIDATES);
    for (const candidate of candidates) {
      const fitted = this.#fitLength(s, candidate);
      if (this.#fits(s, fitted)) return fitted;
    }
    return this.#fitLength(s, 'abc');
  }

  #fitLength(s: JsonSchema, value: string): string {
    let out = value;
    if (s.minLength !== undefined && out.length < s.minLength) out = out.padEnd(s.minLength, 'x');
    if (s.maxLength !== undefined && out.length > s.maxLength) out = out.slice(0, s.maxLength);
    return out;
  }
}

/** The JSON type of a value, as JSON Schema names it. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}
