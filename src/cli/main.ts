// The `switchyard` command (lifecycle.md §14). bin/switchyard.js imports this module.

import { availableParallelism } from 'node:os';
import { ConfigurationError, loadConfiguration } from '../config/index.ts';
import { configurationModel } from '../config/model.ts';
// First-party filters must be registered before a configuration names them.
import '../filters/index.ts';
import '../routers/index.ts';
import { type Logger, StructuredLogger, setDefaultLogger } from '../observability/logger.ts';
import { VERSION } from '../proxy/lifecycle/version.ts';
import { type Command, parseArguments, USAGE } from './arguments.ts';
import { ConfigurationWatch } from './config-watch.ts';
import { WORKER_INDEX_ENV } from './ipc.ts';
import { ProcessControl } from './process-control.ts';
import { runSingleProcess } from './run.ts';

// What only one command or mode needs (the credentials tool, validation, the supervisor with
// node:cluster and what it loads, the worker side) is imported when that command runs: a proxy
// of one process keeps none of it in memory.

async function main(argv: readonly string[]): Promise<void> {
  if (argv[0] === 'credentials') {
    const { runCredentials } = await import('./credentials.ts');
    process.exit(await runCredentials(argv.slice(1), process));
  }
  const parsed = parseArguments(argv);
  if (!parsed.ok) {
    process.stderr.write(`switchyard: ${parsed.error}\n\n${USAGE}`);
    process.exit(1);
  }
  const command = parsed.command;
  switch (command.kind) {
    case 'help':
      process.stdout.write(USAGE);
      return;
    case 'version':
      process.stdout.write(`switchyard ${VERSION}\n`);
      return;
    case 'validate': {
      const { validate } = await import('./validate.ts');
      process.exit(await validate(command.config, process));
      break;
    }
    case 'run':
      await run(command);
  }
}

async function run(command: Extract<Command, { kind: 'run' }>): Promise<void> {
  const logger: Logger = new StructuredLogger({
    level: command.logLevel,
    ...(command.logFormat === undefined ? {} : { format: command.logFormat }),
  });
  setDefaultLogger(logger);
  const control = new ProcessControl(logger);
  // The supervisor forks its workers with their index in the environment and an IPC channel
  // (supervisor.ts): both, so that the variable left in an operator's shell makes no worker.
  const isWorker = process.env[WORKER_INDEX_ENV] !== undefined && process.send !== undefined;
  control.install({ signals: !isWorker });
  if (isWorker) {
    const { runWorker } = await import('./worker.ts');
    await runWorker(command.config, logger, control);
    return;
  }

  // Recorded before the load, so that an edit made while the proxy starts is not missed.
  const watch = command.watch ? new ConfigurationWatch(command.config, logger) : null;
  await watch?.baseline();
  let config: Awaited<ReturnType<typeof loadConfiguration>>;
  try {
    config = await loadConfiguration(command.config);
  } catch (error) {
    // Reported before anything is bound, with file, line and key (§14.3).
    process.stderr.write(`${error instanceof ConfigurationError ? error.message : String(error)}\n`);
    return control.exit('startup_failed', 1);
  }
  const workers =
    command.workers === 'auto'
      ? availableParallelism()
      : (command.workers ?? configurationModel(config).network.workerThreadCount ?? 1);
  const options = { file: command.config, watch };
  if (workers === 1) await runSingleProcess(config, options, logger, control);
  else {
    const { runSupervisor } = await import('./supervisor.ts');
    await runSupervisor(config, workers, options, logger, control);
  }
}

await main(process.argv.slice(2));
