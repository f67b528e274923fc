// Structured logging. One JSON object per line when the output is not a terminal (production,
// log collectors), readable lines when it is. Log records carry fields, never message contents.

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, unknown>>;

/** The logger plugins and embedding code see (routing specification §3.0). */
export interface Logger {
  isLevelEnabled(level: LogLevel): boolean;
  trace(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];
const SEVERITY: Readonly<Record<LogLevel, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 };

export type LogFormat = 'json' | 'pretty';

/** Where log lines go; `process.stdout` in production, an array in tests. */
export interface LogSink {
  write(line: string): unknown;
}

export interface LoggerOptions {
  readonly level?: LogLevel;
  readonly format?: LogFormat;
  readonly sink?: LogSink;
  readonly fields?: LogFields;
  /** Injected by tests; defaults to the wall clock. */
  readonly now?: () => Date;
}

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export class StructuredLogger implements Logger {
  private readonly minimum: number;
  private readonly format: LogFormat;
  private readonly sink: LogSink;
  private readonly fields: LogFields;
  private readonly now: () => Date;

  constructor(options: LoggerOptions = {}) {
    this.minimum = SEVERITY[options.level ?? 'info'];
    this.sink = options.sink ?? process.stdout;
    this.format = options.format ?? (options.sink === undefined && process.stdout.isTTY ? 'pretty' : 'json');
    this.fields = options.fields ?? {};
    this.now = options.now ?? (() => new Date());
  }

  isLevelEnabled(level: LogLevel): boolean {
    return SEVERITY[level] >= this.minimum;
  }

  trace(message: string, fields?: LogFields): void {
    this.log('trace', message, fields);
  }
  debug(message: string, fields?: LogFields): void {
    this.log('debug', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.log('info', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.log('warn', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.log('error', message, fields);
  }

  private log(level: LogLevel, message: string, fields: LogFields | undefined): void {
    if (SEVERITY[level] < this.minimum) return;
    const merged = fields === undefined ? this.fields : { ...this.fields, ...fields };
    const time = this.now();
    this.sink.write(
      this.format === 'json' ? jsonLine(time, level, message, merged) : prettyLine(time, level, message, merged),
    );
  }
}

/** A logger that adds `fields` to every record of `logger`; works with any Logger implementation. */
export function withFields(logger: Logger, fields: LogFields): Logger {
  return new FieldsLogger(logger, fields);
}

/**
 * Methods on the prototype rather than closures: every session makes one or two of these, so a
 * thousand connections hold a thousand small objects, not seven thousand functions.
 */
class FieldsLogger implements Logger {
  readonly #logger: Logger;
  readonly #fields: LogFields;

  constructor(logger: Logger, fields: LogFields) {
    this.#logger = logger;
    this.#fields = fields;
  }

  #merge(extra: LogFields | undefined): LogFields {
    return extra === undefined ? this.#fields : { ...this.#fields, ...extra };
  }

  isLevelEnabled(level: LogLevel): boolean {
    return this.#logger.isLevelEnabled(level);
  }

  trace(message: string, extra?: LogFields): void {
    this.#logger.trace(message, this.#merge(extra));
  }

  debug(message: string, extra?: LogFields): void {
    this.#logger.debug(message, this.#merge(extra));
  }

  info(message: string, extra?: LogFields): void {
    this.#logger.info(message, this.#merge(extra));
  }

  warn(message: string, extra?: LogFields): void {
    this.#logger.warn(message, this.#merge(extra));
  }

  error(message: string, extra?: LogFields): void {
    this.#logger.error(message, this.#merge(extra));
  }
}

let processLogger: Logger | undefined;

/** The package's process-wide logger (info level, format chosen by whether stdout is a terminal). */
export function defaultLogger(): Logger {
  processLogger ??= new StructuredLogger();
  return processLogger;
}

/** Replaces the process-wide logger; the command line calls it once with its options. */
export function setDefaultLogger(logger: Logger): void {
  processLogger = logger;
}

function jsonLine(time: Date, level: LogLevel, message: string, fields: LogFields): string {
  const record: Record<string, unknown> = { time: time.toISOString(), level, msg: message };
  for (const [key, value] of Object.entries(fields)) {
    if (!(key in record)) record[key] = value;
  }
  return `${safeStringify(record)}\n`;
}

function prettyLine(time: Date, level: LogLevel, message: string, fields: LogFields): string {
  let line = `${time.toISOString().slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${message}`;
  let stack: string | undefined;
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof Error) {
      line += ` ${key}=${JSON.stringify(value.message)}`;
      stack ??= value.stack;
    } else {
      line += ` ${key}=${typeof value === 'string' ? quoteIfNeeded(value) : safeStringify(value)}`;
    }
  }
  return stack === undefined ? `${line}\n` : `${line}\n${indent(stack)}\n`;
}

function quoteIfNeeded(value: string): string {
  return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

/** JSON.stringify that renders errors with their details and survives cycles and bigints. */
function safeStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'bigint') return item.toString();
    if (typeof item === 'object' && item !== null) {
      if (seen.has(item)) return '[Circular]';
      seen.add(item);
      if (item instanceof Error) return serializeError(item);
    }
    return item;
  });
}

export function serializeError(error: Error): Record<string, unknown> {
  const serialized: Record<string, unknown> = { name: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) serialized.code = code;
  if (error.stack !== undefined) serialized.stack = error.stack;
  if (error.cause !== undefined) serialized.cause = error.cause;
  if (error instanceof AggregateError) serialized.errors = error.errors;
  return serialized;
}
