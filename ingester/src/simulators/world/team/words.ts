/** What the team's work is about: issue summaries, PR titles and branch names draw from these. */
export const TOPICS = [
  'checkout retries',
  'refund webhook',
  'rate limiter',
  'session cache',
  'invoice export',
  'audit log',
  'search filters',
  'onboarding flow',
  'push notifications',
  'currency rounding',
  'feature flags',
  'health checks',
  'dark mode',
  'CSV import',
  'SSO login',
  'pagination',
  'metrics endpoint',
  'retry budget',
  'email templates',
  'timezone handling',
];

/** Packages the dependency bots bump. */
export const DEPENDENCIES = [
  'lodash',
  'express',
  'react',
  'axios',
  'pg',
  'jest',
  'zod',
  'typescript',
  'eslint',
  'webpack',
];

export function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
