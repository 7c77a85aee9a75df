import { randomBytes } from 'node:crypto';
import { createApp } from '../api/app.js';
import { listen } from '../api/server.js';
import type { Organisation } from '../config/organisation.js';
import type { Settings } from '../config/settings.js';
import type { Database } from '../db/database.js';
import { displayUrl } from '../db/database.js';
import type { EmbeddedServer } from '../db/embedded.js';
import { migrationStatus } from '../db/migrations.js';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import { applyOrganisationSettings } from '../metrics/settings.js';
import { Scheduler } from '../scheduler/scheduler.js';

export interface Service {
  settings: Settings;
  organisation: Organisation;
  log: Logger;
  db: Database;
  embedded?: EmbeddedServer;
}

/**
 * Serves the API with the scheduler until SIGINT/SIGTERM, then stops accepting, lets
 * requests in flight finish, stops the scheduler and closes the database (and whatever
 * `onStop` adds, such as the demo's simulators).
 */
export async function runService(
  s: Service,
  extra: {
    /** Lines printed above the addresses. */
    banner?: string[];
    /** Lines printed below them, given the API's address. */
    footer?: (apiUrl: string) => string[];
    onStop?: () => Promise<void>;
  } = {},
): Promise<void> {
  const { settings, organisation, log, db, embedded } = s;
  const status = await migrationStatus(db);
  if (!status.current)
    throw new AppError(
      `the database needs migrations (${status.pending.join(', ')}); run engmetrics migrate`,
      503,
      'not_migrated',
    );
  // Teams and settings as the organisation file says, before the first request.
  await applyOrganisationSettings(db, organisation);
  const apiToken = settings.api.token ?? randomBytes(24).toString('base64url');
  const app = createApp({ settings, organisation, db, log, apiToken });
  const server = await listen(app, settings.api.host, settings.api.port);
  const postgres = embedded
    ? `postgres://postgres@${embedded.host}:${embedded.port}/postgres  (embedded, data in ${embedded.dataDir})`
    : displayUrl(db.url);
  process.stdout.write(
    [
      '',
      ...(extra.banner ?? []),
      `  API       ${server.url}`,
      `  Docs      ${server.url}/docs`,
      `  Postgres  ${postgres}`,
      settings.api.token
        ? '  Token     from API_TOKEN'
        : `  Token     ${apiToken}  (generated for this run; set API_TOKEN to choose one)`,
      '',
      ...(extra.footer?.(server.url) ?? []),
    ].join('\n') + '\n',
  );
  log.info({ url: server.url }, 'serving');
  const scheduler = settings.schedule.enabled
    ? new Scheduler({ settings, organisation, db, log })
    : undefined;
  scheduler?.start();
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) process.exit(130);
    closing = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    await scheduler?.stop();
    await server.close();
    await db.close();
    await extra.onStop?.();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
