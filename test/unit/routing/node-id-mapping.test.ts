// The node-id mapping of routing.md §5.1–§5.4, as pure functions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IDENTITY_MAPPING, nodeIdMapping } from '../../../src/routing/node-id-mapping.ts';

test('R94: with S = 2 and route ids 0 and 1, brokers 0, 1, 2 appear as 0, 2, 4 and as 1, 3, 5', () => {
  const mapping = nodeIdMapping(2);
  assert.deepEqual(
    [0, 1, 2].map((t) => mapping.toVirtual(0, t)),
    [0, 2, 4],
  );
  assert.deepEqual(
    [0, 1, 2].map((t) => mapping.toVirtual(1, t)),
    [1, 3, 5],
  );
  assert.equal(mapping.routeIdOf(5), 1);
  assert.equal(mapping.targetIdOf(5), 2);
});

test('R95: decoding an encoded id returns the route and broker, for every route and a wide range of brokers', () => {
  for (const routes of [2, 3, 7, 100, 21474]) {
    const mapping = nodeIdMapping(routes);
    for (let sample = 0; sample < 2000; sample++) {
      const routeId = Math.floor(Math.random() * routes);
      const broker = Math.floor(Math.random() * Math.floor((0x7fffffff - routeId) / routes));
      const v = mapping.toVirtual(routeId, broker)!;
      assert.ok(v >= 0 && v <= 0x7fffffff);
      assert.equal(mapping.routeIdOf(v), routeId);
      assert.equal(mapping.targetIdOf(v), broker);
    }
  }
});

test('R96: a single-route level presents broker ids unchanged', () => {
  const mapping = nodeIdMapping(1);
  assert.equal(mapping, IDENTITY_MAPPING);
  for (const id of [0, 1, 1001, 0x7fffffff]) {
    assert.equal(mapping.toVirtual(0, id), id);
    assert.equal(mapping.targetIdOf(id), id);
  }
});

test('R99: the nested example composes to 29 and 29 decodes to broker 4 of inner route 2 behind outer route 1', () => {
  const outer = nodeIdMapping(2);
  const inner = nodeIdMapping(3);
  const vInner = inner.toVirtual(2, 4)!;
  assert.equal(vInner, 14);
  assert.equal(outer.toVirtual(1, vInner), 29);
  assert.equal(outer.routeIdOf(29), 1);
  assert.equal(inner.routeIdOf(outer.targetIdOf(29)), 2);
  assert.equal(inner.targetIdOf(outer.targetIdOf(29)), 4);
});

test('R101: negative node ids pass through translation unchanged', () => {
  for (const mapping of [nodeIdMapping(1), nodeIdMapping(3)]) {
    assert.equal(mapping.toVirtual(2 % mapping.routeCount, -1), -1);
    assert.equal(mapping.toVirtual(0, -2), -2);
  }
});

test('R102: an id that would exceed 2^31 - 1 is refused, not wrapped', () => {
  const mapping = nodeIdMapping(3);
  assert.equal(mapping.toVirtual(2, Math.floor(0x7fffffff / 3)), undefined);
  assert.equal(mapping.toVirtual(0, Math.floor(0x7fffffff / 3)), 3 * Math.floor(0x7fffffff / 3));
});

test('R97, R98: ids depend only on the route id and the broker id (not on file order or other brokers)', () => {
  const a = nodeIdMapping(3);
  const b = nodeIdMapping(3);
  assert.equal(a.toVirtual(1, 7), b.toVirtual(1, 7));
  assert.equal(a.toVirtual(1, 7), 1 + 3 * 7);
});
