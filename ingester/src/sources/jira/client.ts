import { AgileClient, Version2Client, Version3Client, type Config } from 'jira.js';
import type { Settings } from '../../config/settings.js';

export interface JiraClients {
  /** Jira Cloud's platform API. */
  v3: Version3Client;
  /** Jira Data Center speaks only v2 of the platform API. */
  v2: Version2Client;
  agile: AgileClient;
}

/** The one Jira client setup: base URL, Cloud basic auth (email + API token) or a Data Center bearer PAT. */
export function createJiraClients(
  settings: Settings['jira'],
  options: { timeoutMs?: number } = {},
): JiraClients {
  if (!settings.baseUrl) throw new Error('JIRA_BASE_URL is not set');
  const authentication =
    settings.auth?.kind === 'basic'
      ? { basic: { email: settings.auth.email, apiToken: settings.auth.apiToken } }
      : settings.auth?.kind === 'bearer'
        ? { oauth2: { accessToken: settings.auth.pat } }
        : undefined;
  // jira.js types bearer (oauth2) configs as a separate union member; the shape is the same.
  const config = {
    host: settings.baseUrl,
    authentication,
    baseRequestConfig: { timeout: options.timeoutMs ?? 60_000, headers: { 'User-Agent': 'engmetrics/0.1' } },
  } as Config;
  return { v3: new Version3Client(config), v2: new Version2Client(config), agile: new AgileClient(config) };
}
