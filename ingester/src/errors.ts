/**
 * The one error hierarchy. Every error the product raises on purpose is an AppError:
 * it carries an HTTP status for the API and a stable `code` for logs and tests.
 */
export class AppError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details?: Record<string, unknown>,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A setting is missing or malformed. Start-up stops with this one line. */
export class ConfigError extends AppError {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`, 500, 'config_invalid', { variable });
  }
}

/** Every bad setting at once: start-up names each on a line of its own. */
export class ConfigErrors extends ConfigError {
  constructor(readonly problems: ConfigError[]) {
    super(problems[0]!.variable, problems[0]!.message.slice(problems[0]!.variable.length + 2));
    this.message = problems.map((p) => p.message).join('\n');
  }
}

/** The request is malformed: a 400 with the reason. */
export class BadRequestError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 400, 'bad_request', details);
  }
}

/** A request body that is not JSON where JSON is read. */
export class UnsupportedMediaTypeError extends AppError {
  constructor(contentType: string) {
    super(`The request body must be application/json, not ${contentType}`, 415, 'unsupported_media_type');
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'A valid bearer token is required') {
    super(message, 401, 'unauthorized');
  }
}

export class NotFoundError extends AppError {
  /** `code` tells a client what is missing when it words it differently (team_not_found). */
  constructor(message: string, code = 'not_found') {
    super(message, 404, code);
  }
}

/** Another service we depend on answered badly: a 502 for the API. */
export class UpstreamError extends AppError {
  constructor(
    readonly service: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${service}: ${message}`, 502, 'upstream_failed', { service }, options);
  }
}

/** The database cannot be reached or is not migrated: a 503. */
export class UnavailableError extends AppError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 503, 'unavailable', undefined, options);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The schema cannot be brought up to date: a file failed, was edited, or is unknown. */
export class MigrationError extends AppError {
  constructor(message: string) {
    super(message, 500, 'migration_failed');
  }
}
