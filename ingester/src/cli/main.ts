#!/usr/bin/env node
import { Command } from 'commander';
import { openDatabase } from '../db/connect.js';
import { migrate } from '../db/migrations.js';
import { ConfigError, errorMessage } from '../errors.js';
import { boot, exitWithConfigError } from './bootstrap.js';
import { formatTable, runDoctor } from './doctor.js';
import { demoCommand } from './demo.js';
import { metricsCommands } from './report.js';
import { runService } from './serve.js';
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
    try {
      if (opts.migrate) await migrate(db, { log, readerPassword: settings.grafana.readerPassword });
      await runService({ settings, organisation, log, db, embedded });
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
demoCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) exitWithConfigError(err);
  process.stderr.write(`engmetrics: ${errorMessage(err)}\n`);
  process.exit(1);
});
