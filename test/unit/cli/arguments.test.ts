import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArguments } from '../../../src/cli/arguments.ts';
import { failureOutcome, finalLine, forcedExitCode } from '../../../src/cli/outcome.ts';
import { ProxyShutdownError, ProxyStartupError } from '../../../src/proxy/lifecycle/errors.ts';

test('run is the default command; options are parsed with their defaults', () => {
  assert.deepEqual(parseArguments(['--config', 'proxy.yaml']), {
    ok: true,
    command: {
      kind: 'run',
      config: 'proxy.yaml',
      workers: undefined,
      watch: false,
      logLevel: 'info',
      logFormat: undefined,
    },
  });
  assert.deepEqual(
    parseArguments(['run', '-c', 'p.yaml', '--workers', '4', '--log-level', 'debug', '--log-format', 'pretty']),
    {
      ok: true,
      command: { kind: 'run', config: 'p.yaml', workers: 4, watch: false, logLevel: 'debug', logFormat: 'pretty' },
    },
  );
  assert.deepEqual(parseArguments(['--config=p.yaml', '--workers', 'auto']), {
    ok: true,
    command: { kind: 'run', config: 'p.yaml', workers: 'auto', watch: false, logLevel: 'info', logFormat: undefined },
  });
});

test('--watch turns on reloading when the configuration file changes, for run only', () => {
  const parsed = parseArguments(['--config', 'p.yaml', '--watch']);
  assert.equal(parsed.ok && parsed.command.kind === 'run' && parsed.command.watch, true);
  assert.deepEqual(parseArguments(['validate', '--config', 'p.yaml', '--watch']), {
    ok: false,
    error: '--watch applies to run only',
  });
});

test('validate takes --config', () => {
  assert.deepEqual(parseArguments(['validate', '--config', 'p.yaml']), {
    ok: true,
    command: { kind: 'validate', config: 'p.yaml', logLevel: 'info', logFormat: undefined },
  });
});

test('--help and --version win over everything else', () => {
  assert.deepEqual(parseArguments(['--help']), { ok: true, command: { kind: 'help' } });
  assert.deepEqual(parseArguments(['run', '-h']), { ok: true, command: { kind: 'help' } });
  assert.deepEqual(parseArguments(['--version']), { ok: true, command: { kind: 'version' } });
});

test('L75: unknown options, unknown commands, a missing --config and bad values are usage errors', () => {
  const error = (argv: string[]) => {
    const parsed = parseArguments(argv);
    assert.equal(parsed.ok, false, argv.join(' '));
    return parsed.ok ? '' : parsed.error;
  };
  assert.match(error(['--config', 'p.yaml', '--bogus']), /Unknown option '--bogus'/);
  assert.match(error(['start', '--config', 'p.yaml']), /unknown command 'start'/);
  assert.match(error(['run']), /missing --config/);
  assert.match(error(['run', 'extra', '--config', 'p.yaml']), /unexpected argument 'extra'/);
  assert.match(error(['--config', 'p.yaml', '--workers', '0']), /--workers must be an integer of at least 1 or auto/);
  assert.match(error(['--config', 'p.yaml', '--workers', '1.5']), /--workers/);
  assert.match(error(['--config', 'p.yaml', '--log-level', 'loud']), /--log-level must be/);
  assert.match(error(['--config', 'p.yaml', '--log-format', 'xml']), /--log-format must be json or pretty/);
  assert.match(error(['validate', '--config', 'p.yaml', '--workers', '2']), /--workers applies to run only/);
});

test('exit codes: startup failure 1, shutdown failure 2, forced exits 128 + signal number', () => {
  assert.deepEqual(failureOutcome(new ProxyStartupError('step', new Error('x'))), {
    outcome: 'startup_failed',
    code: 1,
  });
  assert.deepEqual(failureOutcome(new ProxyShutdownError('step', new Error('x'), [])), {
    outcome: 'shutdown_failed',
    code: 2,
  });
  assert.equal(forcedExitCode('SIGINT'), 130);
  assert.equal(forcedExitCode('SIGTERM'), 143);
});

test('L74: the final line states outcome, uptime and exit code', () => {
  assert.equal(finalLine('clean', 12.345, 0), 'Switchyard stopped: outcome=clean, uptime=12.3s, exit code 0');
});
