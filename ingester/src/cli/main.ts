#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { createApp } from '../api/app.js';
import { listen } from '../api/server.js';
import { openDatabase } from '../db/connect.js';
import { displayUrl } from '../db/database.js';
import { migrate, migrationStatus } from '../db/migrations.js';
import { AppError, ConfigError, errorMessage } from '../errors.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { boot, exitWithConfigError } from './bootstrap.js';
import { formatTable, runDoctor } from './doctor.js';
import { metricsCommands } from './report.js';
import { simulateCommand } from './simulate.js';
import { syncCommands } from './sync.js';

const program = new Command()
  .name('engmetrics')
  .description('DORA, flow and Sprint Health metrics from GitHub and Jira, in PostgreSQL for Grafana.')
  .showHelpAfterError();

program
  .command('migrate')
  .description('apply the SQL migrations in sql/ (safe to re-run, safe to run twice at once)')
  .action(async () => {
    const { settings, log } = boot();
    const { db } = await openDatabase(settings, log);
    try {
      const { applied } = await migrate(db, { log, readerPassword: settings.grafana.readerPassword });
      console.log(
        applied.length
          ? `applied ${applied.length} migration(s): ${applied.join(', ')}`
          : 'database is up to date',
      );
    } finally {
      await db.close();
    }
  });

program
  .command('serve')
  .description('serve the HTTP API (health, metrics, insights, Slack summaries)')
  .option('--migrate', 'apply pending migrations before serving')
  .action(async (opts: { migrate?: boolean }) => {
    const { settings, organisation, log } = boot();
    if (!settings.api.token && settings.database.url)
      exitWithConfigError(
        new ConfigError('API_TOKEN', 'is required when DATABASE_URL is set (at least 16 characters)'),
      );
    const { db, embedded } = await openDatabase(settings, log);
    let closing = false;
    try {
      if (opts.migrate) await migrate(db, { log, readerPassword: settings.grafana.readerPassword });
      const status = await migrationStatus(db);
      if (!status.current)
        throw new AppError(
          `the database needs migrations (${status.pending.join(', ')}); run engmetrics migrate`,
          503,
          'not_migrated',
        );
      const apiToken = settings.api.token ?? randomBytes(24).toString('base64url');
      const app = createApp({ settings, organisation, db, log, apiToken });
      const server = await listen(app, settings.api.host, settings.api.port);
      const lines = [
        '',
        `  API       ${server.url}`,
        `  Docs      ${server.url}/docs`,
        `  Postgres  ${embedded ? `postgres://postgres@${embedded.host}:${embedded.port}/postgres  (embedded, data in ${embedded.dataDir})` : displayUrl(db.url)}`,
        settings.api.token
          ? '  Token     from API_TOKEN'
          : `  Token     ${apiToken}  (generated for this run; set API_TOKEN to choose one)`,
        '',
      ];
      process.stdout.write(lines.join('\n') + '\n');
      log.info({ url: server.url }, 'serving');
      const scheduler = settings.schedule.enabled
        ? new Scheduler({ settings, organisation, db, log })
        : undefined;
      scheduler?.start();
      const shutdown = async (signal: string) => {
        if (closing) process.exit(130);
        closing = true;
        log.info({ signal }, 'shutting down: finishing in-flight requests');
        await scheduler?.stop();
        await server.close();
        await db.close();
        log.info('stopped');
        process.exit(0);
      };
      process.on('SIGINT', () => void shutdown('SIGINT'));
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
    } catch (err) {
      await db.close();
      throw err;
    }
  });

program
  .command('doctor')
  .description('check the database, the configured tokens and that each configured API answers')
  .action(async () => {
    const { settings, log } = boot();
    const opened = await openDatabase(settings, log).catch((err: unknown) =>
      err instanceof Error ? err : new Error(String(err)),
    );
    const db = opened instanceof Error ? opened : opened.db;
    try {
      const results = await runDoctor(settings, db, log);
      console.log(
        formatTable(
          results.map((r) => ({ ...r })),
          ['check', 'status', 'detail'],
        ),
      );
      if (results.some((r) => r.status === 'fail')) process.exitCode = 1;
    } finally {
      if (!(db instanceof Error)) await db.close();
    }
  });

syncCommands(program);
simulateCommand(program);
metricsCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) exitWithConfigError(err);
  process.stderr.write(`engmetrics: ${errorMessage(err)}\n`);
  process.exit(1);
});
