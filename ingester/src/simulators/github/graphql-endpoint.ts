import { execute, parse, validate, type DocumentNode, type GraphQLError } from 'graphql';
import type { GitHubGraph } from './graph.js';
import type { Budget } from './rate-limits.js';
import { isoSeconds } from './rest.js';
import { githubSchema, queryCost, type QueryCost } from './schema.js';

/**
 * POST /graphql, step by step as GitHub takes it: read the request, parse and
 * validate the document, work out its cost, charge it to the caller's budget, and
 * only then execute it. A request refused at any step costs nothing.
 */

/** What to send: the status and body; `exhausted` when the budget could not pay. */
export interface GraphqlAnswer {
  status: number;
  body: unknown;
  exhausted?: true;
}

interface GraphqlRequest {
  query: string;
  variables: Record<string, unknown>;
  operationName: string | undefined;
}

const refused = (step: object): step is GraphqlAnswer => 'status' in step;
const errors = (...list: unknown[]): GraphqlAnswer => ({ status: 200, body: { errors: list } });

export class GraphqlEndpoint {
  // Clients send the same few documents again and again.
  private parsed = new Map<string, DocumentNode>();
  private validated = new WeakMap<DocumentNode, readonly GraphQLError[]>();

  constructor(
    private readonly graph: GitHubGraph,
    /** Counts each request under `graphql <operation name>`. */
    private readonly countOperation: (name: string) => void,
    /** Counts the points each executed query costs. */
    private readonly countPoints: (points: number) => void,
  ) {}

  answer(raw: string, budget: Budget): GraphqlAnswer {
    const request = readRequest(raw);
    if (refused(request)) return request;
    this.countOperation(/^\s*(?:query|mutation)\s+(\w+)/.exec(request.query)?.[1] ?? 'anonymous');
    const document = this.document(request.query);
    if (refused(document)) return document;
    const invalid = this.validation(document);
    if (invalid) return invalid;
    let cost: QueryCost;
    try {
      cost = queryCost(document, request.variables, request.operationName);
    } catch (err) {
      return errors({ message: (err as Error).message, type: 'MAX_NODE_LIMIT_EXCEEDED' });
    }
    if (budget.used + cost.cost > budget.limit)
      return {
        ...errors({
          type: 'RATE_LIMITED',
          code: 'graphql_rate_limit',
          message: 'API rate limit already exceeded.',
        }),
        exhausted: true,
      };
    budget.used += cost.cost;
    this.countPoints(cost.cost);
    return { status: 200, body: this.execute(request, document, budget, cost) };
  }

  private document(query: string): DocumentNode | GraphqlAnswer {
    let document = this.parsed.get(query);
    try {
      if (!document) {
        document = parse(query);
        this.parsed.set(query, document);
      }
    } catch (err) {
      return errors({ message: (err as GraphQLError).message, locations: (err as GraphQLError).locations });
    }
    return document;
  }

  private validation(document: DocumentNode): GraphqlAnswer | undefined {
    const problems = this.validated.get(document) ?? validate(githubSchema(), document);
    this.validated.set(document, problems);
    if (!problems.length) return undefined;
    return errors(
      ...problems.map((p) => ({
        message: p.message,
        locations: p.locations,
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      })),
    );
  }

  private execute(request: GraphqlRequest, document: DocumentNode, budget: Budget, cost: QueryCost) {
    // Read when executed: the budget already charged with this query.
    const rateLimit = () => ({
      __typename: 'RateLimit',
      cost: cost.cost,
      limit: budget.limit,
      remaining: budget.limit - budget.used,
      used: budget.used,
      resetAt: isoSeconds(budget.reset * 1000),
      nodeCount: cost.nodeCount,
    });
    const result = execute({
      schema: githubSchema(),
      document,
      rootValue: { ...this.graph.root(), rateLimit },
      variableValues: request.variables,
      operationName: request.operationName,
    }) as { data?: unknown; errors?: readonly GraphQLError[] };
    const out: Record<string, unknown> = { data: result.data ?? null };
    if (result.errors?.length)
      out.errors = result.errors.map((e) => ({
        type: (e.extensions?.type as string | undefined) ?? undefined,
        path: e.path,
        locations: e.locations,
        message: e.message,
      }));
    return out;
  }
}

/** The query, variables and operation name of the request's JSON body. */
function readRequest(raw: string): GraphqlRequest | GraphqlAnswer {
  let req: { query?: unknown; variables?: unknown; operationName?: unknown };
  try {
    req = JSON.parse(raw);
  } catch {
    return {
      status: 400,
      body: { message: 'Problems parsing JSON', documentation_url: 'https://docs.github.com/graphql' },
    };
  }
  if (typeof req.query !== 'string')
    return errors({ message: 'A query attribute must be specified and must be a string.' });
  return {
    query: req.query,
    variables: (req.variables ?? {}) as Record<string, unknown>,
    operationName: typeof req.operationName === 'string' ? req.operationName : undefined,
  };
}
