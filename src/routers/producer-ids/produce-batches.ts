// Finds the producer ids in the record batches of one PRODUCE request bound for one route and
// rewrites the ones that need the route's real id, in place. The frame path walks the client's bytes
// with the generated walk (nothing decoded, nothing copied; a large frame stays in the pieces it
// arrived in); the decoded path (a VC filter already decoded the request) walks the decoded
// `records` buffers. One instance per session, reused for every request: a walk allocates nothing.
import type { ProduceRequest } from '../../filter/index.ts';
import { FrameBytes } from '../../protocol/frames/frame-bytes.ts';
import { ApiKey } from '../../protocol/generated/api-keys.ts';
import { forEachRequestRecords } from '../../protocol/generated/skim.ts';
import {
  BATCH_HEADER_SIZE,
  LENGTH_AT,
  LOG_OVERHEAD,
  mappableProducerId,
  producerEpochOf,
  rewriteProducer,
} from './batch-header.ts';
import type { ProducerTable } from './producer-table.ts';

const LOOK = 0;
const REWRITE = 1;

export class ProduceBatches {
  readonly #table: ProducerTable;
  #mode = LOOK;
  #route = 0;
  /** Set by a LOOK walk: whether some batch needs a real id of the route. */
  #foreign = false;
  /** Set by a LOOK walk: a virtual id that has no real id on the route yet (-1: none). */
  #missing = -1;
  readonly #visit = (frame: FrameBytes, start: number, end: number): void => this.#batches(frame, start, end);
  /** A batch header that straddles two pieces of a frame, gathered to be read and written back. */
  readonly #scratch = Buffer.alloc(BATCH_HEADER_SIZE);
  /** The decoded path's records buffers, walked through the same code as frames. */
  readonly #records = new FrameBytes();
  readonly #one: Buffer[] = [];

  constructor(table: ProducerTable) {
    this.#table = table;
  }

  /**
   * The frame path: looks at every batch of the PRODUCE request in `frame` bound for route `route`
   * (an index of the table). True when the request can go to the route now: its batches were
   * already the route's (nothing written) or were rewritten in place. False when some producer has
   * no real id on the route yet, or the body cannot be walked: nothing was written, and the request
   * is for the decoded path.
   */
  offerFrame(apiVersion: number, frame: FrameBytes, route: number): boolean {
    this.#route = route;
    this.#mode = LOOK;
    this.#foreign = false;
    this.#missing = -1;
    if (!forEachRequestRecords(ApiKey.PRODUCE, apiVersion, frame, this.#visit)) return false;
    if (this.#missing >= 0) return false;
    if (this.#foreign) {
      this.#mode = REWRITE;
      forEachRequestRecords(ApiKey.PRODUCE, apiVersion, frame, this.#visit);
    }
    return true;
  }

  /** The decoded path: the virtual ids of `request` that have no real id on route `route` yet. */
  missingIn(request: ProduceRequest, route: number): Set<number> {
    const missing = new Set<number>();
    this.#route = route;
    this.#mode = LOOK;
    for (const topic of request.topicData) {
      for (const partition of topic.partitionData) {
        if (partition.records === null) continue;
        this.#missing = -1;
        this.#decodedRecords(partition.records);
        if (this.#missing >= 0) missing.add(this.#missing);
      }
    }
    return missing;
  }

  /** The decoded path: rewrites the batches of `request` whose producers have a real id on `route`. */
  rewriteDecoded(request: ProduceRequest, route: number): void {
    this.#route = route;
    this.#mode = REWRITE;
    for (const topic of request.topicData) {
      for (const partition of topic.partitionData) {
        if (partition.records !== null) this.#decodedRecords(partition.records);
      }
    }
  }

  #decodedRecords(records: Buffer): void {
    if (records.length === 0) return;
    this.#one[0] = records;
    this.#batches(this.#records.reset(this.#one, 0), 0, records.length);
    this.#one[0] = EMPTY;
  }

  /** One records field `[start, end)` of `frame`: every whole batch in it (a truncated tail is the broker's to refuse). */
  #batches(frame: FrameBytes, start: number, end: number): void {
    const table = this.#table;
    const route = this.#route;
    for (let at = start; at + LOG_OVERHEAD <= end; ) {
      const length = frame.readInt32BE(at + LENGTH_AT);
      const next = at + LOG_OVERHEAD + length;
      if (length < 0 || next > end) return;
      const size = next - at;
      // The header as one buffer: the frame's own bytes, or a copy when it straddles two pieces.
      const headerEnd = at + Math.min(size, BATCH_HEADER_SIZE);
      let header = frame.view(at, headerEnd);
      const copied = header === undefined;
      if (header === undefined) {
        header = this.#scratch;
        frame.copy(header, 0, at, headerEnd);
      }
      const producerId = mappableProducerId(header, 0, size);
      at = next;
      if (producerId < 0 || table.isHomeOf(producerId, route)) continue;
      const realId = table.realOn(route, producerId);
      if (this.#mode === LOOK) {
        this.#foreign = true;
        if (realId === undefined) this.#missing = producerId;
      } else if (realId !== undefined) {
        rewriteProducer(header, 0, size, realId, producerEpochOf(header, 0));
        if (copied) frame.write(header, next - size);
      }
    }
  }
}

const EMPTY = Buffer.alloc(0);
