// The error every configuration problem becomes: one line per problem naming file:line:col, exit code 2.

export class ConfigError extends Error {
  /** Process exit code for bad usage or configuration. */
  readonly exitCode = 2;
  constructor(message: string, readonly problems: string[] = [message]) {
    super(message);
    this.name = 'ConfigError';
  }
}
