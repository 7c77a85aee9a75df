import { extendZodWithOpenApi, type OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { BadRequestError, UnsupportedMediaTypeError } from '../errors.js';

extendZodWithOpenApi(z);

/**
 * One declaration per route gives both the Express handler (with zod validation of
 * params, query and body) and its OpenAPI entry, so the document cannot drift.
 */
export interface RouteSpec<
  Q extends z.ZodType = z.ZodType,
  P extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  method: 'get' | 'post';
  /** OpenAPI form: `/metrics/series/{metric}`. */
  path: string;
  /** The operation's name in the OpenAPI document, for generated clients: a verb and a noun, camelCase. */
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Public routes skip the bearer token. */
  public?: boolean;
  query?: Q;
  params?: P;
  body?: B;
  response: R;
  /** Other statuses the route answers with a problem (400, 401 and 500 are implied). */
  problems?: Record<number, string>;
  /** Other success statuses with the same body, e.g. 503 for a not-ready /ready. */
  alsoReturns?: Record<number, string>;
  handler: (
    input: { query: z.infer<Q>; params: z.infer<P>; body: z.infer<B> },
    req: Request,
    res: Response,
  ) => Promise<z.input<R>> | z.input<R>;
}

export type AnyRoute = RouteSpec<z.ZodType, z.ZodType, z.ZodType, z.ZodType>;

export function route<Q extends z.ZodType, P extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(
  spec: RouteSpec<Q, P, B, R>,
): AnyRoute {
  return spec as unknown as AnyRoute;
}

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.infer<T> {
  if (!schema) return undefined as z.infer<T>;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = result.error.issues.map((i) => ({
    path: [where, ...i.path.map(String)].join('.'),
    message: i.code === 'unrecognized_keys' ? `unknown parameter(s): ${i.keys.join(', ')}` : i.message,
  }));
  throw new BadRequestError(`Invalid ${where}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, {
    errors,
  });
}

export function mount(router: Router, spec: AnyRoute): void {
  const expressPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
  router[spec.method](expressPath, async (req, res) => {
    // A body of another type would be read as no body at all, and the request fail later for a
    // reason that hides this one.
    if (
      spec.body &&
      req.headers['content-length'] !== '0' &&
      (req.headers['content-length'] || req.headers['transfer-encoding']) &&
      !req.is('application/json')
    )
      throw new UnsupportedMediaTypeError(req.headers['content-type'] ?? 'none');
    const input = {
      params: parse(spec.params, req.params, 'params'),
      query: parse(spec.query, req.query, 'query'),
      body: parse(spec.body, req.body ?? {}, 'body'),
    };
    const out = await spec.handler(input, req, res);
    if (!res.headersSent) res.json(out);
  });
}

const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

export function register(registry: OpenAPIRegistry, spec: AnyRoute): void {
  const problem = (description: string) => ({
    description,
    content: { 'application/problem+json': { schema: problemSchema } },
  });
  const responses: Record<string, unknown> = {
    200: { description: 'OK', content: { 'application/json': { schema: spec.response } } },
  };
  for (const [status, description] of Object.entries(spec.alsoReturns ?? {}))
    responses[status] = { description, content: { 'application/json': { schema: spec.response } } };
  if (spec.query || spec.params || spec.body)
    responses[400] = problem('The request is invalid; `errors` says where');
  if (spec.body) responses[415] = problem('The body is not application/json');
  if (!spec.public) responses[401] = problem('The bearer token is missing or wrong');
  for (const [status, description] of Object.entries(spec.problems ?? {}))
    responses[status] = problem(description);
  responses[500] = problem('An unexpected error; the request id identifies it in the logs');
  registry.registerPath({
    method: spec.method,
    path: spec.path,
    operationId: spec.operationId,
    summary: spec.summary,
    description: spec.description,
    tags: spec.tags,
    security: spec.public ? [] : [{ bearerAuth: [] }],
    request: {
      query: spec.query as never,
      params: spec.params as never,
      body: spec.body ? { content: { 'application/json': { schema: spec.body } } } : undefined,
    },
    responses: responses as never,
  });
}
