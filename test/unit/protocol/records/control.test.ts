import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeControlRecordKey,
  decodeEndTxnMarker,
  encodeControlRecordKey,
  encodeEndTxnMarker,
  RecordsDecodeError,
} from '../../../../src/protocol/records/index.ts';
import { thrown } from './helpers.ts';

test('a COMMIT key is version 0, type 1', () => {
  assert.deepEqual(encodeControlRecordKey('COMMIT'), Buffer.from([0, 0, 0, 1]));
  assert.deepEqual(decodeControlRecordKey(Buffer.from([0, 0, 0, 1])), { version: 0, typeId: 1, type: 'COMMIT' });
});

test('an ABORT key decodes to ABORT', () => {
  assert.equal(decodeControlRecordKey(encodeControlRecordKey('ABORT')).type, 'ABORT');
});

test('KRaft control types are named, unknown ids are UNKNOWN', () => {
  assert.equal(decodeControlRecordKey(Buffer.from([0, 0, 0, 2])).type, 'LEADER_CHANGE');
  assert.equal(decodeControlRecordKey(Buffer.from([0, 0, 0, 6])).type, 'KRAFT_VOTERS');
  assert.equal(decodeControlRecordKey(Buffer.from([0, 0, 0x7f, 0])).type, 'UNKNOWN');
});

test('a control key shorter than four bytes, null, or with a negative version is a RecordsDecodeError', () => {
  assert.ok(thrown(() => decodeControlRecordKey(Buffer.from([0, 0, 0]))) instanceof RecordsDecodeError);
  assert.ok(thrown(() => decodeControlRecordKey(null)) instanceof RecordsDecodeError);
  assert.ok(thrown(() => decodeControlRecordKey(Buffer.from([0xff, 0xff, 0, 0]))) instanceof RecordsDecodeError);
});

test('a transaction marker value carries the coordinator epoch', () => {
  assert.deepEqual(decodeEndTxnMarker(encodeEndTxnMarker(-5)), { version: 0, coordinatorEpoch: -5 });
});

test('a newer marker version is read like version 0, as Kafka does', () => {
  assert.deepEqual(decodeEndTxnMarker(Buffer.from([0, 1, 0, 0, 0, 9, 0xaa])), { version: 1, coordinatorEpoch: 9 });
});

test('a truncated marker value is a RecordsDecodeError', () => {
  assert.ok(thrown(() => decodeEndTxnMarker(Buffer.from([0, 0, 0]))) instanceof RecordsDecodeError);
});
