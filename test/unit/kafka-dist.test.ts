import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pinnedKafkaVersion } from '../../tools/kafka-dist.ts';

test('the test bed pins one Kafka 4.x release in its pom', () => {
  assert.match(pinnedKafkaVersion(), /^4\.\d+\.\d+$/);
});
