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
import { labelled, terminalWidth } from './table.js';
import { displayPath, keptApiToken } from './token.js';

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
 *
 * What it prints comes last, once the scheduler has logged its jobs: the banner (the demo's
 * tiles), the addresses and where the API token is, then the footer, laid out for the
 * terminal's width.
 */
export async function runService(
  s: Service,
  extra: {
    /** Lines printed above the addresses. */
    banner?: string[];
    /** Lines printed below them, given the API's address and the terminal's width. */
    footer?: (apiUrl: string, width: number | undefined) => string[];
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
  const kept = settings.api.token ? undefined : keptApiToken(settings.database.dataDir);
  const apiToken = settings.api.token ?? kept!.token;
  const app = createApp({ settings, organisation, db, log, apiToken });
  const server = await listen(app, settings.api.host, settings.api.port);
  const scheduler = settings.schedule.enabled
    ? new Scheduler({ settings, organisation, db, log })
    : undefined;
  scheduler?.start();
  log.info({ url: server.url, tokenFrom: kept ? displayPath(kept.path) : 'API_TOKEN' }, 'serving');
  const width = terminalWidth();
  const postgres = embedded
    ? [
        `postgres://postgres@${embedded.host}:${embedded.port}/postgres`,
        embedded.dataDir ? `(embedded, data in ${displayPath(embedded.dataDir)})` : '(embedded, in memory)',
      ]
    : [displayUrl(db.url), ''];
  process.stdout.write(
    [
      '',
      ...(extra.banner ?? []),
      ...labelled('API', server.url),
      ...labelled('Docs', `${server.url}/docs`),
      ...labelled('Postgres', postgres[0]!, postgres[1], width),
      ...(kept
        ? labelled(
            'Token',
            displayPath(kept.path),
            `(${kept.created ? 'generated now' : 'generated on an earlier start'} and kept; set API_TOKEN to choose one)`,
            width,
          )
        : labelled('Token', 'from API_TOKEN')),
      '',
      ...(extra.footer?.(server.url, width) ?? []),
    ].join('\n') + '\n',
  );
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
