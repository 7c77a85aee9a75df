import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { ConfigError, errorMessage } from '../errors.js';

/**
 * The `engmetrics` command. Only the module of the command being run is loaded: the others
 * bring in the database, the GitHub, Jira, OpenAI and Slack clients, Express and the
 * simulators, which take seconds to load, and `--help`, `--version` or a typo need none of
 * them. The top-level help lists the commands from the summaries below; a test checks that
 * they say what the commands' own definitions say.
 */

interface CommandModule {
  /** The top-level commands the module defines, in the order it defines them. */
  commands: { term: string; description: string }[];
  /** Adds the module's commands, with their options and actions, to the program. */
  define(program: Command): Promise<void>;
}

const MODULES: CommandModule[] = [
  {
    commands: [
      {
        term: 'migrate',
        description: 'apply the SQL migrations in sql/ (safe to re-run, safe to run twice at once)',
      },
      {
        term: 'serve [options]',
        description: 'serve the HTTP API (health, metrics, insights, Slack summaries)',
      },
      {
        term: 'doctor [options]',
        description:
          'check the settings, the database, the configured tokens and that each configured API answers',
      },
    ],
    define: async (program) => serviceCommands(program),
  },
  {
    commands: [
      { term: 'sync', description: 'read a source into the database (incremental from the last run)' },
    ],
    define: async (program) => (await import('./sync.js')).syncCommands(program),
  },
  {
    commands: [
      {
        term: 'simulate [options]',
        description:
          'serve a generated organisation as GitHub and Jira on loopback, to try the ingester by hand',
      },
    ],
    define: async (program) => (await import('./simulate.js')).simulateCommand(program),
  },
  {
    commands: [
      {
        term: 'refresh [options]',
        description:
          'apply the organisation file to the settings tables and refresh the kept metric tables that something they read has changed since (readers keep the previous rows meanwhile)',
      },
      {
        term: 'report [options]',
        description: 'print the DORA tiles and the flow summary of a team (or all teams) for a period',
      },
    ],
    define: async (program) => (await import('./report.js')).metricsCommands(program),
  },
  {
    commands: [
      {
        term: 'demo [options]',
        description:
          'migrate, sync, refresh, print the DORA tiles and serve: against GitHub and Jira when their settings are set, otherwise against simulators over a generated organisation',
      },
    ],
    define: async (program) => (await import('./demo.js')).demoCommand(program),
  },
];

/** The version in the ingester's package.json (two folders up, from src/cli and from dist/cli alike). */
export function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** The command `args` (argv without node and the script) runs: `sync` in `sync github --full`, `report` in `help report`. */
export function commandNamed(args: readonly string[]): string | undefined {
  const i = args.findIndex((a) => !a.startsWith('-'));
  if (i < 0) return undefined;
  return args[i] === 'help' ? args.slice(i + 1).find((a) => !a.startsWith('-')) : args[i];
}

const nameOf = (term: string) => term.split(' ')[0]!;

/**
 * The program for `args`: the real definitions of the module of the command named there
 * (of every module with `all`), and for the other commands only their name and summary,
 * which is all the top-level help shows.
 */
export async function buildProgram(args: readonly string[], o: { all?: boolean } = {}): Promise<Command> {
  const program = new Command()
    .name('engmetrics')
    .description('DORA, flow and Sprint Health metrics from GitHub and Jira, in PostgreSQL for Grafana.')
    .version(version(), '-V, --version', 'print the version')
    .showHelpAfterError();
  const named = commandNamed(args);
  for (const m of MODULES) {
    if (o.all || m.commands.some((c) => nameOf(c.term) === named)) await m.define(program);
    // A summary's term carries the `[options]` that a definition with options shows.
    else for (const c of m.commands) program.command(c.term).description(c.description);
  }
  return program;
}

/** Runs `engmetrics` with `argv` (as process.argv). */
export async function run(argv: string[]): Promise<void> {
  try {
    const program = await buildProgram(argv.slice(2));
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      const { exitWithConfigError } = await import('./bootstrap.js');
      exitWithConfigError(err);
    }
    process.stderr.write(`engmetrics: ${errorMessage(err)}\n`);
    process.exit(1);
  }
}

/** migrate, serve and doctor: their definitions here, what they run loaded when they run. */
function serviceCommands(program: Command): void {
  program
    .command('migrate')
    .description('apply the SQL migrations in sql/ (safe to re-run, safe to run twice at once)')
    .action(async () => {
      const [{ boot }, { openDatabase }, { migrate }] = await Promise.all([
        import('./bootstrap.js'),
        import('../db/connect.js'),
        import('../db/migrations.js'),
      ]);
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
      const [{ boot, exitWithConfigError }, { openDatabase }, { migrate }, { runService }] =
        await Promise.all([
          import('./bootstrap.js'),
          import('../db/connect.js'),
          import('../db/migrations.js'),
          import('./serve.js'),
        ]);
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
    .description(
      'check the settings, the database, the configured tokens and that each configured API answers',
    )
    .option('--json', 'print the checks as JSON (an array of {check, status, detail})')
    .action(async (opts: { json?: boolean }) => (await import('./doctor.js')).doctorAction(opts));
}
