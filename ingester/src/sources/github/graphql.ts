import { GraphqlResponseError } from '@octokit/graphql';
import type { GitHubClient } from './client.js';

export interface Connection<N> {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: (N | null)[];
}

/**
 * Runs a query; an answer with both data and errors (GitHub nulls a record it cannot serve
 * and says why) keeps its data, with the errors as `path: message`. A rate limit is thrown.
 */
export async function queryKeepingData<T>(
  client: GitHubClient,
  document: string,
  variables: Record<string, unknown>,
): Promise<{ data: T; errors: string[] }> {
  try {
    return { data: await client.graphql<T>(document, variables), errors: [] };
  } catch (err) {
    if (
      err instanceof GraphqlResponseError &&
      err.data &&
      !err.errors?.some((e) => (e as { type?: string }).type === 'RATE_LIMITED')
    )
      return {
        data: err.data as T,
        errors: (err.errors ?? []).map((e) => `${(e.path ?? []).join('.')}: ${e.message}`),
      };
    throw err;
  }
}
