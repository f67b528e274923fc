import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StructuredLogger, withFields } from '../../../src/observability/logger.ts';

const fixedClock = () => new Date('2026-11-21T19:00:00.123Z');

function capture(options: ConstructorParameters<typeof StructuredLogger>[0] = {}) {
  const lines: string[] = [];
  const logger = new StructuredLogger({
    now: fixedClock,
    ...options,
    sink: { write: (line: string) => lines.push(line) },
  });
  return { logger, lines };
}

test('json format writes one JSON object per line with time, level, message and fields', () => {
  const { logger, lines } = capture({ format: 'json' });
  logger.info('Switchyard started in 12 ms', { virtualCluster: 'orders', ports: [9192] });
  assert.equal(lines.length, 1);
  assert.ok(lines[0]?.endsWith('\n'));
  assert.deepEqual(JSON.parse(lines[0] ?? ''), {
    time: '2026-11-21T19:00:00.123Z',
    level: 'info',
    msg: 'Switchyard started in 12 ms',
    virtualCluster: 'orders',
    ports: [9192],
  });
});

test('without an explicit format, a non-terminal sink gets JSON lines', () => {
  const { logger, lines } = capture();
  logger.warn('w');
  assert.equal(JSON.parse(lines[0] ?? '').level, 'warn');
});

test('records below the level are dropped and isLevelEnabled agrees', () => {
  const { logger, lines } = capture({ level: 'warn', format: 'json' });
  logger.trace('t');
  logger.debug('d');
  logger.info('i');
  logger.warn('w');
  logger.error('e');
  assert.deepEqual(
    lines.map((l) => JSON.parse(l).level),
    ['warn', 'error'],
  );
  assert.equal(logger.isLevelEnabled('info'), false);
  assert.equal(logger.isLevelEnabled('error'), true);
});

test('errors in fields are serialized with name, message, code and stack; cycles do not throw', () => {
  const { logger, lines } = capture({ format: 'json' });
  const error = Object.assign(new Error('boom'), { code: 'E_BOOM' });
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  logger.error('failed', { error, cyclic, big: 10n });
  const record = JSON.parse(lines[0] ?? '');
  assert.equal(record.error.name, 'Error');
  assert.equal(record.error.message, 'boom');
  assert.equal(record.error.code, 'E_BOOM');
  assert.match(record.error.stack, /boom/);
  assert.equal(record.cyclic.self, '[Circular]');
  assert.equal(record.big, '10');
});

test('pretty format writes a readable line with key=value fields and the error stack indented', () => {
  const { logger, lines } = capture({ format: 'pretty' });
  logger.info('listening', { address: '127.0.0.1:9192', note: 'two words' });
  assert.equal(lines[0], '19:00:00.123 INFO  listening address=127.0.0.1:9192 note="two words"\n');
  logger.error('failed', { error: new Error('boom') });
  assert.match(lines[1] ?? '', /^19:00:00\.123 ERROR failed error="boom"\n {4}Error: boom\n/);
});

test('withFields adds fields to every record of any logger', () => {
  const { logger, lines } = capture({ format: 'json' });
  const child = withFields(logger, { virtualCluster: 'orders' });
  child.info('a', { sessionId: 's1' });
  assert.deepEqual(JSON.parse(lines[0] ?? ''), {
    time: '2026-11-21T19:00:00.123Z',
    level: 'info',
    msg: 'a',
    virtualCluster: 'orders',
    sessionId: 's1',
  });
});
