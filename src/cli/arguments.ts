// Command-line parsing (lifecycle.md §14.1). Pure: no I/O, so it is unit-tested directly.

import { parseArgs } from 'node:util';
import { isLogLevel, type LogFormat, type LogLevel } from '../observability/logger.ts';

export const USAGE = `Usage:
  switchyard [run] --config <file> [--watch] [--workers <n>|auto] [--log-level <level>] [--log-format json|pretty]
  switchyard validate --config <file>
  switchyard credentials add --file <file> --user <name>   (password on standard input)
  switchyard --help
  switchyard --version

Commands:
  run        Start the proxy (the default command) and run until SIGINT or SIGTERM.
  validate   Check a configuration file and report every issue, without starting anything.
  credentials  Add a user to a SaslTermination credential store ('credentials --help' for options).

Options:
  -c, --config <file>       The configuration file (YAML).
      --watch               Reload the configuration when the file (or its folder) changes.
                            SIGHUP always reloads; so does POST /reload with management.reload.
      --workers <n>|auto    Worker processes sharing the listening ports (default:
                            network.proxy.workerThreadCount, else 1); auto = one per CPU core.
      --log-level <level>   trace, debug, info (default), warn or error.
      --log-format <format> json (default when standard output is not a terminal) or pretty.
  -h, --help                Show this help.
  -v, --version             Show the version.

Exit codes: 0 clean stop, 1 did not start, 2 did not stop cleanly, 130/143 forced by a second signal.
`;

export interface LogOptions {
  readonly logLevel: LogLevel;
  /** Undefined: chosen by whether standard output is a terminal. */
  readonly logFormat: LogFormat | undefined;
}

export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | ({
      readonly kind: 'run';
      readonly config: string;
      readonly workers: number | 'auto' | undefined;
      readonly watch: boolean;
    } & LogOptions)
  | ({ readonly kind: 'validate'; readonly config: string } & LogOptions);

export type ParsedArguments =
  | { readonly ok: true; readonly command: Command }
  | { readonly ok: false; readonly error: string };

export function parseArguments(argv: readonly string[]): ParsedArguments {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  const { values, positionals } = parsed;
  if (values.help) return { ok: true, command: { kind: 'help' } };
  if (values.version) return { ok: true, command: { kind: 'version' } };

  if (positionals.length > 1) return { ok: false, error: `unexpected argument '${positionals[1]}'` };
  const name = positionals[0] ?? 'run';
  if (name !== 'run' && name !== 'validate') return { ok: false, error: `unknown command '${name}'` };
  if (values.config === undefined || values.config === '') return { ok: false, error: 'missing --config <file>' };

  const level = values['log-level'] ?? 'info';
  if (!isLogLevel(level))
    return { ok: false, error: `--log-level must be trace, debug, info, warn or error, not '${level}'` };
  const format = values['log-format'];
  if (format !== undefined && format !== 'json' && format !== 'pretty') {
    return { ok: false, error: `--log-format must be json or pretty, not '${format}'` };
  }
  const log: LogOptions = { logLevel: level, logFormat: format };

  if (name === 'validate') {
    if (values.workers !== undefined) return { ok: false, error: '--workers applies to run only' };
    if (values.watch === true) return { ok: false, error: '--watch applies to run only' };
    return { ok: true, command: { kind: 'validate', config: values.config, ...log } };
  }
  let workers: number | 'auto' | undefined;
  if (values.workers !== undefined) {
    if (values.workers === 'auto') workers = 'auto';
    else if (/^[1-9]\d*$/.test(values.workers)) workers = Number(values.workers);
    else return { ok: false, error: `--workers must be an integer of at least 1 or auto, not '${values.workers}'` };
  }
  return { ok: true, command: { kind: 'run', config: values.config, workers, watch: values.watch === true, ...log } };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      workers: { type: 'string' },
      watch: { type: 'boolean' },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
}
