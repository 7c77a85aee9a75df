import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  buildClientSchema,
  GraphQLError,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

let cached: GraphQLSchema | undefined;

/**
 * GitHub's public GraphQL schema, from @octokit/graphql-schema's introspection
 * result (its SDL file does not build: it defines two fields twice).
 */
export function githubSchema(): GraphQLSchema {
  if (!cached) {
    // The package exports only an ESM entry, not its files: look for it on the module paths.
    const roots = createRequire(import.meta.url).resolve.paths('@octokit/graphql-schema') ?? [];
    const file = roots.map((r) => join(r, '@octokit/graphql-schema/schema.json')).find((f) => existsSync(f));
    if (!file) throw new Error('@octokit/graphql-schema is not installed');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    cached = buildClientSchema(json.data ?? json);
  }
  return cached;
}

export interface QueryCost {
  /** Points charged against the hourly budget: requests ÷ 100, rounded, at least 1. */
  cost: number;
  /** Nodes the query may return, at most 500,000. */
  nodeCount: number;
}

/**
 * The cost GitHub charges, worked out the way its documentation describes: count the
 * requests needed to fill every connection (each `first`/`last` assumed full, nested
 * connections once per parent item), divide by 100 and round.
 */
export function queryCost(
  document: DocumentNode,
  variables: Record<string, unknown>,
  operationName?: string,
): QueryCost {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const op = document.definitions.find(
    (d) => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
  );
  if (!op || op.kind !== Kind.OPERATION_DEFINITION) return { cost: 1, nodeCount: 0 };
  let requests = 0;
  let nodes = 0;

  const value = (v: ValueNode | undefined): unknown => {
    if (!v) return undefined;
    switch (v.kind) {
      case Kind.VARIABLE:
        return variables[v.name.value];
      case Kind.INT:
        return Number(v.value);
      case Kind.BOOLEAN:
        return v.value;
      default:
        return undefined;
    }
  };
  const included = (node: {
    directives?: readonly {
      name: { value: string };
      arguments?: readonly { name: { value: string }; value: ValueNode }[];
    }[];
  }) => {
    for (const d of node.directives ?? []) {
      const cond = value(d.arguments?.find((a) => a.name.value === 'if')?.value);
      if (d.name.value === 'include' && cond === false) return false;
      if (d.name.value === 'skip' && cond === true) return false;
    }
    return true;
  };
  const walk = (set: SelectionSetNode | undefined, multiplier: number, seen: Set<string>) => {
    if (!set) return;
    for (const sel of set.selections) {
      if (!included(sel)) continue;
      if (sel.kind === Kind.INLINE_FRAGMENT) walk(sel.selectionSet, multiplier, seen);
      else if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const frag = fragments.get(sel.name.value);
        if (frag && !seen.has(frag.name.value))
          walk(frag.selectionSet, multiplier, new Set([...seen, frag.name.value]));
      } else {
        const f = sel as FieldNode;
        const size = value(
          f.arguments?.find((a) => a.name.value === 'first' || a.name.value === 'last')?.value,
        );
        if (typeof size === 'number') {
          requests += multiplier;
          nodes += multiplier * size;
          walk(f.selectionSet, multiplier * size, seen);
        } else walk(f.selectionSet, multiplier, seen);
      }
    }
  };
  walk(op.selectionSet, 1, new Set());
  if (nodes > 500_000)
    throw new GraphQLError(
      `This query requests up to ${nodes} possible nodes which exceeds the maximum limit of 500,000.`,
      {
        extensions: { type: 'MAX_NODE_LIMIT_EXCEEDED' },
      },
    );
  return { cost: Math.max(1, Math.round(requests / 100)), nodeCount: nodes };
}

/** GitHub-style opaque cursors over an offset. */
export const encodeCursor = (offset: number) => Buffer.from(`cursor:v2:${offset}`).toString('base64');
export function decodeCursor(cursor: string, connection: string): number {
  const m = /^cursor:v2:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  if (!m)
    throw new GraphQLError(`\`${cursor}\` does not appear to be a valid cursor.`, {
      extensions: { type: 'INVALID_CURSOR_ARGUMENTS', connection },
    });
  return Number(m[1]);
}

export interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

/**
 * A connection over a list, with GitHub's argument rules: 1–100 items, and `first` or
 * `last` required as soon as items are asked for (a bare `totalCount` needs neither).
 */
export function connection<T, U = T>(
  name: string,
  items: readonly T[],
  args: PageArgs,
  map?: (item: T) => U,
) {
  const { first, last } = args;
  for (const [arg, v] of [
    ['first', first],
    ['last', last],
  ] as const) {
    if (v == null) continue;
    if (v < 0) throw new GraphQLError(`\`${arg}\` on the \`${name}\` connection cannot be less than zero.`);
    if (v > 100)
      throw new GraphQLError(
        `Requesting ${v} records on the \`${name}\` connection exceeds the \`${arg}\` limit of 100 records.`,
      );
  }
  const unpaged = first == null && last == null;
  const refuse = () => {
    throw new GraphQLError(
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${name}\` connection.`,
    );
  };
  let start = args.after ? decodeCursor(args.after, name) + 1 : 0;
  let end = args.before ? decodeCursor(args.before, name) : items.length;
  start = Math.min(Math.max(0, start), items.length);
  end = Math.min(Math.max(start, end), items.length);
  if (first != null) end = Math.min(end, start + first);
  if (last != null) start = Math.max(start, end - last);
  // Only the page is turned into response objects: a repository may have thousands of items.
  const slice = map ? items.slice(start, end).map(map) : (items.slice(start, end) as unknown as U[]);
  return {
    totalCount: items.length,
    get nodes() {
      return unpaged ? refuse() : slice;
    },
    get edges() {
      return unpaged ? refuse() : slice.map((node, i) => ({ node, cursor: encodeCursor(start + i) }));
    },
    pageInfo: {
      hasNextPage: end < items.length,
      hasPreviousPage: start > 0,
      startCursor: slice.length ? encodeCursor(start) : null,
      endCursor: slice.length ? encodeCursor(end - 1) : null,
    },
  };
}
