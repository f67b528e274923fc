// The producer fields of a record batch (magic 2) header, read and rewritten in place. Only the
// header changes: the records (compressed or not) stay byte for byte as the producer wrote them,
// and the batch CRC, which covers everything from the attributes to the end of the batch, is
// updated for the ten changed bytes without reading the records (so a batch that arrived corrupt
// stays detectably corrupt). Legacy message sets (magic 0 and 1) have no producer fields and are
// left alone.
//
// Layout: baseOffset 8, length 4, partitionLeaderEpoch 4, magic 1, crc 4, attributes 2,
// lastOffsetDelta 4, baseTimestamp 8, maxTimestamp 8, producerId 8, producerEpoch 2,
// baseSequence 4, record count 4, records.
import { crc32cAfterChange } from '../../protocol/records/crc32c-update.ts';

const LENGTH = 8;
const MAGIC = 16;
const CRC = 17;
const ATTRIBUTES = 21;
const PRODUCER_ID = 43;
const PRODUCER_EPOCH = 51;
/** Producer id and epoch: the bytes a rewrite changes. */
const PRODUCER_FIELDS_END = 53;
/** baseOffset and length: what `length` does not count. */
export const LOG_OVERHEAD = 12;
/** The whole v2 header, record count included. */
export const BATCH_HEADER_SIZE = 61;
const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;
const TWO_32 = 2 ** 32;
/** The producer fields before a rewrite, kept for the CRC update (one buffer, reused). */
const previous = Buffer.alloc(PRODUCER_FIELDS_END - PRODUCER_ID);

/** Where a batch's `length` field is, counting from the batch's first byte. */
export const LENGTH_AT = LENGTH;

/**
 * The end of the batch starting at `start` in `buf`, or -1 when `[start, limit)` does not hold a
 * whole batch header and body (a truncated last batch, which a broker would refuse anyway).
 */
export function batchEnd(buf: Buffer, start: number, limit: number): number {
  if (start + LOG_OVERHEAD > limit) return -1;
  const length = buf.readInt32BE(start + LENGTH);
  const end = start + LOG_OVERHEAD + length;
  return length < 0 || end > limit ? -1 : end;
}

/**
 * The producer id of the whole batch `[start, end)` when the router may map it: a magic-2 batch of
 * an idempotent producer, neither transactional (a transaction stays on its route and keeps its
 * id) nor a control batch. -1 otherwise, and for ids a number cannot hold exactly (ids are
 * allocated from 0 upwards, far below 2^53).
 */
export function mappableProducerId(buf: Buffer, start: number, end: number): number {
  if (end - start < BATCH_HEADER_SIZE || buf[start + MAGIC] !== 2) return -1;
  if ((buf.readUInt16BE(start + ATTRIBUTES) & (TRANSACTIONAL | CONTROL)) !== 0) return -1;
  const high = buf.readInt32BE(start + PRODUCER_ID);
  if (high < 0 || high >= 0x200000) return -1;
  return high * TWO_32 + buf.readUInt32BE(start + PRODUCER_ID + 4);
}

export function producerEpochOf(buf: Buffer, start: number): number {
  return buf.readInt16BE(start + PRODUCER_EPOCH);
}

/**
 * Writes `producerId` and `producerEpoch` into the header of the batch `[start, end)` and updates
 * its CRC. Nothing else moves.
 */
export function rewriteProducer(
  buf: Buffer,
  start: number,
  end: number,
  producerId: number,
  producerEpoch: number,
): void {
  buf.copy(previous, 0, start + PRODUCER_ID, start + PRODUCER_FIELDS_END);
  buf.writeInt32BE(Math.floor(producerId / TWO_32), start + PRODUCER_ID);
  buf.writeUInt32BE(producerId % TWO_32, start + PRODUCER_ID + 4);
  buf.writeInt16BE(producerEpoch, start + PRODUCER_EPOCH);
  const crc = buf.readUInt32BE(start + CRC);
  buf.writeUInt32BE(
    crc32cAfterChange(crc, previous, buf, start + PRODUCER_ID, end - (start + PRODUCER_FIELDS_END)),
    start + CRC,
  );
}
