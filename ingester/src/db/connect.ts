import type { Settings } from '../config/settings.js';
import type { Logger } from '../log.js';
import { Database } from './database.js';
import { startEmbedded, type EmbeddedServer } from './embedded.js';

/**
 * The database the settings point at: PostgreSQL at DATABASE_URL, or the embedded
 * one started here when it is unset.
 */
export async function openDatabase(
  settings: Settings,
  log: Logger,
  /** Jobs that will hold a lock and write side by side (a sync's --concurrency). */
  jobs = 1,
): Promise<{ db: Database; embedded?: EmbeddedServer }> {
  if (settings.database.url)
    return { db: new Database(settings.database.url, false, log, undefined, Math.max(10, 2 * jobs + 2)) };
  const embedded = await startEmbedded({
    dataDir: settings.database.dataDir,
    port: settings.database.embeddedPort,
  });
  log.warn(
    { dataDir: embedded.dataDir, address: `${embedded.host}:${embedded.port}` },
    'using the embedded database: one machine, for trying things out; every login on its port is the superuser, so it listens on 127.0.0.1 only; set DATABASE_URL for a team installation',
  );
  return { db: new Database(embedded.url, true, log, () => embedded.stop()), embedded };
}
