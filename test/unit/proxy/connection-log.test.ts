// The operations log of client connections: one line when a connection opens, one when it closes,
// with what an operator needs to find it again, and a rate limit that reports what it left out.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { StructuredLogger, withFields } from '../../../src/observability/logger.ts';
import { TokenBucket } from '../../../src/observability/token-bucket.ts';
import { ANONYMOUS } from '../../../src/pipeline/types.ts';
import { ConnectionLog } from '../../../src/proxy/connection-log.ts';

function recording(level: 'info' | 'warn' = 'info') {
  const lines: Record<string, unknown>[] = [];
  const logger = new StructuredLogger({
    level,
    format: 'json',
    sink: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { lines, logger };
}

/** The socket fields the log reads, as Node reports them for an IPv6 client. */
function socket(): Socket & { bytesRead: number; bytesWritten: number } {
  return { remoteAddress: '::1', remotePort: 51234, bytesRead: 0, bytesWritten: 0 } as never;
}

test('a connection is logged when it opens and when it closes, with principal, duration, bytes and reason', () => {
  const { lines, logger } = recording();
  const log = new ConnectionLog(logger);
  const client = socket();
  const session = withFields(logger, { virtualCluster: 'orders', sessionId: '0-ab-1' });
  const closed = log.opened(session, { gateway: 'ports', socket: client, subject: ANONYMOUS, serverName: undefined });
  client.bytesRead = 120;
  client.bytesWritten = 300;
  const alice = { principals: [{ type: 'User', name: 'alice' }], isAnonymous: false };
  closed(alice, 'idle_timeout');
  assert.deepEqual(
    lines.map(({ time: _, ...line }) => line),
    [
      {
        level: 'info',
        msg: 'connection opened',
        virtualCluster: 'orders',
        sessionId: '0-ab-1',
        gateway: 'ports',
        client: '[::1]:51234',
        principal: 'User:ANONYMOUS',
      },
      {
        level: 'info',
        msg: 'connection closed',
        virtualCluster: 'orders',
        sessionId: '0-ab-1',
        gateway: 'ports',
        client: '[::1]:51234',
        principal: 'User:alice',
        durationMs: lines[1]?.durationMs,
        bytesIn: 120,
        bytesOut: 300,
        reason: 'idle_timeout',
      },
    ],
  );
  assert.equal(typeof lines[1]?.durationMs, 'number');
});

test('the TLS server name a client asked for is logged with its connection', () => {
  const { lines, logger } = recording();
  const log = new ConnectionLog(logger);
  log.opened(logger, { gateway: 'sni', socket: socket(), subject: ANONYMOUS, serverName: 'broker-1.example.com' });
  assert.equal(lines[0]?.serverName, 'broker-1.example.com');
});

test('under a flood the lines beyond the rate are left out, and the next line written says how many', () => {
  const { lines, logger } = recording();
  let now = 0;
  const log = new ConnectionLog(logger, new TokenBucket({ perSecond: 1, burst: 2, now: () => now }));
  for (let i = 0; i < 10; i++)
    log.opened(logger, { gateway: 'g', socket: socket(), subject: ANONYMOUS, serverName: undefined });
  assert.equal(lines.length, 2);
  now += 1000;
  log.opened(logger, { gateway: 'g', socket: socket(), subject: ANONYMOUS, serverName: undefined });
  assert.deepEqual(
    lines.slice(2).map((line) => [line.level, line.msg, line.suppressed]),
    [
      ['warn', 'connection log lines left out by the rate limit', 8],
      ['info', 'connection opened', undefined],
    ],
  );
});

test('with the log level above info nothing is written and no token is spent', () => {
  const { lines, logger } = recording('warn');
  let taken = 0;
  const bucket = { take: () => ++taken > 0 } as unknown as TokenBucket;
  const log = new ConnectionLog(logger, bucket);
  log.opened(logger, { gateway: 'g', socket: socket(), subject: ANONYMOUS, serverName: undefined })(
    ANONYMOUS,
    'client_closed',
  );
  assert.deepEqual(lines, []);
  assert.equal(taken, 0);
});
