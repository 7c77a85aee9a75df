import { loadOrganisation, type Organisation } from '../config/organisation.js';
import { loadSettings, type Settings } from '../config/settings.js';
import { ConfigError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';

export interface Boot {
  settings: Settings;
  organisation: Organisation;
  log: Logger;
}

/** Exit status for a bad setting (sysexits' EX_CONFIG). */
export const EXIT_CONFIG = 78;

/** Reads and checks every setting once; bad ones end the process with a line naming each. */
export function boot(env: NodeJS.ProcessEnv = process.env): Boot {
  try {
    const settings = loadSettings(env);
    const organisation = loadOrganisation(settings.orgFile);
    const log = createLogger({ level: settings.logLevel, secrets: settings.secrets });
    return { settings, organisation, log };
  } catch (err) {
    if (err instanceof ConfigError) exitWithConfigError(err);
    throw err;
  }
}

export function exitWithConfigError(err: ConfigError): never {
  for (const line of err.message.split('\n'))
    process.stderr.write(`engmetrics: configuration error: ${line}\n`);
  process.exit(EXIT_CONFIG);
}
