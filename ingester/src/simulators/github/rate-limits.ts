import type { ServerResponse } from 'node:http';

/**
 * GitHub's primary rate limits: an hourly budget per token for REST requests
 * (`core`) and one for GraphQL points, reported in `x-ratelimit-*` headers.
 */

export interface Budget {
  limit: number;
  used: number;
  reset: number;
}

export interface Budgets {
  core: Budget;
  graphql: Budget;
}

export type Resource = keyof Budgets;

export interface BudgetLimits {
  restLimit?: number;
  graphqlLimit?: number;
}

export class RateLimits {
  private budgets = new Map<string, Budgets>();

  constructor(
    private readonly limits: BudgetLimits,
    private readonly isInstallation: (token: string) => boolean,
  ) {}

  /** The token's budgets, begun afresh once their hour is up. */
  of(token: string): Budgets {
    const nowS = Math.floor(Date.now() / 1000);
    let b = this.budgets.get(token);
    if (!b || b.core.reset <= nowS) {
      // GitHub Apps' installations get larger budgets than people.
      const installation = this.isInstallation(token);
      const fresh = (limit: number) => ({ limit, used: 0, reset: nowS + 3600 });
      b = {
        core: fresh(this.limits.restLimit ?? (installation ? 15_000 : 5_000)),
        graphql: fresh(this.limits.graphqlLimit ?? (installation ? 10_000 : 5_000)),
      };
      this.budgets.set(token, b);
    }
    return b;
  }

  /** The budgets of the first token seen: `/rate_limit` reports one caller's. */
  first(): Budgets | undefined {
    return this.budgets.values().next().value;
  }
}

export function writeLimitHeaders(res: ServerResponse, budget: Budget, resource: Resource): void {
  res.setHeader('x-ratelimit-limit', String(budget.limit));
  res.setHeader('x-ratelimit-remaining', String(Math.max(0, budget.limit - budget.used)));
  res.setHeader('x-ratelimit-used', String(budget.used));
  res.setHeader('x-ratelimit-reset', String(budget.reset));
  res.setHeader('x-ratelimit-resource', resource);
}
