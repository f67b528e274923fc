// The README's first command: the demo starts two clusters and Switchyard, serves clients through
// its virtual clusters, and stops everything on Ctrl-C (SIGINT).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { kcatConsume, kcatMetadata, kcatProduce } from '../helpers/clients/kcat.ts';
import { freePortBlock } from '../helpers/switchyard.ts';

test('the demo serves produce and consume through its virtual cluster and stops cleanly on SIGINT', async () => {
  const base = await freePortBlock(110);
  const demo = spawn(process.execPath, ['tools/demo.ts', '--port-base', String(base)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(demo, 'exit');
  const output: string[] = [];
  const lines = createInterface({ input: demo.stdout! });
  const ready = new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      output.push(line);
      if (line.startsWith('Press Ctrl-C')) resolve();
    });
    demo.once('exit', (code) => reject(new Error(`demo exited early (${code}):\n${output.join('\n')}`)));
  });
  try {
    await ready;
    const bootstrap = /virtual cluster alpha\s+bootstrap (\S+)/.exec(output.join('\n'))?.[1];
    assert.equal(bootstrap, `127.0.0.1:${base + 2}`);
    const viaDemo = { bootstrapServers: bootstrap! };
    const metadata = await kcatMetadata(viaDemo);
    assert.deepEqual(
      metadata.brokers.map((broker) => broker.port),
      [base + 3 + metadata.brokers[0]!.id],
    );
    await kcatProduce(viaDemo, 'demo-greetings', [{ value: 'hello' }, { value: 'world' }]);
    const consumed = await kcatConsume(viaDemo, { topic: 'demo-greetings', count: 2 });
    assert.deepEqual(
      consumed.map((r) => r.value),
      ['hello', 'world'],
    );
    const union = { bootstrapServers: /virtual cluster union\s+bootstrap (\S+)/.exec(output.join('\n'))![1]! };
    const both = await kcatMetadata(union);
    assert.deepEqual(
      both.brokers.map((broker) => broker.id).sort(),
      [2, 3],
      'the union virtual cluster lists the brokers of both clusters',
    );
    await kcatProduce(union, 'beta.payments', [{ value: 'paid' }]);
    const paid = await kcatConsume(union, { topic: 'beta.payments', count: 1 });
    assert.deepEqual(
      paid.map((r) => r.value),
      ['paid'],
    );
  } finally {
    demo.kill('SIGINT');
  }
  const [code] = await exited;
  assert.equal(code, 0);
  assert.ok(output.includes('Demo stopped.'), output.join('\n'));
});
