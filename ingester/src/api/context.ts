import type { Organisation } from '../config/organisation.js';
import type { Settings } from '../config/settings.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../log.js';

/** What every route handler may use; built once by `engmetrics serve`. */
export interface AppContext {
  settings: Settings;
  organisation: Organisation;
  db: Database;
  log: Logger;
  /** The token the API requires (from API_TOKEN, or generated for the demo). */
  apiToken: string;
}
