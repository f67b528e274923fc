// A worker process of `switchyard run --workers N` (lifecycle.md §13.3): a complete proxy without
// a management endpoint, which reports its state to the supervisor and stops when asked, or when
// the supervisor disappears.

import { ConfigurationError, loadConfiguration } from '../config/index.ts';
import { type Logger, withFields } from '../observability/logger.ts';
import { messageOf } from '../proxy/lifecycle/errors.ts';
import {
  KafkaProxy,
  type PreparedReload,
  proxyInternals,
  withInternalOptions,
} from '../proxy/lifecycle/kafka-proxy.ts';
import { isMessage, type SupervisorMessage, WORKER_INDEX_ENV, type WorkerMessage } from './ipc.ts';
import { failureOutcome } from './outcome.ts';
import type { ProcessControl } from './process-control.ts';

function send(message: WorkerMessage): void {
  if (process.connected) process.send?.(message);
}

export async function runWorker(configFile: string, baseLogger: Logger, control: ProcessControl): Promise<never> {
  const index = Number(process.env[WORKER_INDEX_ENV] ?? '0');
  const logger = withFields(baseLogger, { worker: index });
  let config: Awaited<ReturnType<typeof loadConfiguration>>;
  try {
    config = await loadConfiguration(configFile);
  } catch (error) {
    logger.error(error instanceof ConfigurationError ? error.message : String(error));
    return control.exit('startup_failed', 1);
  }

  let proxy: KafkaProxy | undefined;
  const report = () => {
    if (proxy === undefined) return;
    const internals = proxyInternals(proxy);
    send({ type: 'status', status: internals.status(), readiness: internals.readiness() });
  };
  proxy = new KafkaProxy(
    config,
    withInternalOptions(
      // Reported after the change's synchronous step, so the status includes all of it.
      { serveManagement: false, workerIndex: index, onChange: () => queueMicrotask(report) },
      { logger },
    ),
  );
  const running = proxy;
  // An abort, not shutdown(), so that a request arriving before startup() still stops the proxy.
  const stop = new AbortController();
  control.setHooks({ requestShutdown: () => stop.abort(new Error('shutdown requested')) });
  // Reloads the supervisor asked this worker to prepare, by id: each waits for commit or discard.
  const prepared = new Map<number, PreparedReload>();
  process.on('message', (message: unknown) => {
    if (!isMessage<SupervisorMessage>(message)) return;
    switch (message.type) {
      case 'shutdown':
        stop.abort(new Error('shutdown requested by the supervisor'));
        break;
      case 'metrics':
        void running.metricsText().then((text) => send({ type: 'metrics', id: message.id, text }));
        break;
      case 'reload-prepare':
        // This worker reads and validates the file itself, as at start-up.
        void loadConfiguration(configFile)
          .then((next) => proxyInternals(running).prepareReload(next, message.trigger))
          .then(
            (reload) => {
              prepared.set(message.id, reload);
              send({ type: 'reload-prepared', id: message.id, reason: null });
            },
            (error: unknown) => send({ type: 'reload-prepared', id: message.id, reason: messageOf(error) }),
          );
        break;
      case 'reload-commit': {
        const reload = prepared.get(message.id);
        prepared.delete(message.id);
        if (reload === undefined) {
          send({ type: 'reload-committed', id: message.id, outcome: null, reason: 'no prepared reload' });
          break;
        }
        void reload.commit().then(
          (outcome) => send({ type: 'reload-committed', id: message.id, outcome, reason: null }),
          (error: unknown) =>
            send({ type: 'reload-committed', id: message.id, outcome: null, reason: messageOf(error) }),
        );
        break;
      }
      case 'reload-discard': {
        const reload = prepared.get(message.id);
        prepared.delete(message.id);
        void (reload?.discard() ?? Promise.resolve()).then(
          () => send({ type: 'reload-discarded', id: message.id, reason: null }),
          (error: unknown) => send({ type: 'reload-discarded', id: message.id, reason: messageOf(error) }),
        );
        break;
      }
    }
  });
  process.on('disconnect', () => {
    logger.warn('the supervisor disappeared: shutting down');
    stop.abort(new Error('the supervisor disappeared'));
  });
  running.whenStarted().then(
    () => control.markStarted(),
    () => {},
  );
  try {
    await running.startup({ signal: stop.signal });
    return control.exit('clean', 0);
  } catch (error) {
    const { outcome, code } = failureOutcome(error);
    return control.exit(outcome, code);
  }
}
