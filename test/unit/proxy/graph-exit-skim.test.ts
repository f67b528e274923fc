// PRODUCE and FETCH responses leave the route graph undecoded and at once unless their skim finds
// nodeEndpoints; then the addresses are replaced by the gateway's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StructuredLogger } from '../../../src/observability/logger.ts';
import type { Reply } from '../../../src/pipeline/reply.ts';
import { RequestMessage } from '../../../src/pipeline/request-message.ts';
import { ResponseMessage } from '../../../src/pipeline/response-message.ts';
import type { SessionHandle, Stage } from '../../../src/pipeline/stage.ts';
import { ApiKey, decodeResponseBody, encodeResponse, readResponseHeader } from '../../../src/protocol/index.ts';
import { AddressBook } from '../../../src/proxy/address/address-book.ts';
import type { Gateway } from '../../../src/proxy/gateway/gateway.ts';
import { GraphExit } from '../../../src/proxy/response/graph-exit.ts';

const logger = new StructuredLogger({ level: 'error', sink: { write: () => {} } });

function produceResponseFrame(nodeEndpoints: { nodeId: number; host: string; port: number; rack: null }[]) {
  return encodeResponse(ApiKey.PRODUCE, 11, 7, {
    responses: [{ name: 'orders', partitionResponses: [] }],
    throttleTimeMs: 0,
    nodeEndpoints,
  } as never);
}

/** A GraphExit in front of a stage that hands the Reply it gets back to the test. */
function exitWithReply() {
  const ensured: number[] = [];
  const gateway = {
    ensureNode: async (nodeId: number) => {
      ensured.push(nodeId);
    },
    advertisedAddress: (nodeId: number) => ({ host: 'proxy.example', port: 19_000 + nodeId }),
  } as unknown as Gateway;
  let upstreamReply: Reply | undefined;
  const next: Stage = {
    open: () => ({
      dispatch: (_message, reply) => {
        upstreamReply = reply;
      },
      close: () => {},
    }),
  };
  const session = { id: 'session-1', logger } as unknown as SessionHandle;
  const delivered: (ResponseMessage | undefined)[] = [];
  const client: Reply = {
    expectsResponse: true,
    respond: (response) => delivered.push(response),
    fail: (_cause, message) => assert.fail(message),
  };
  const opened = new GraphExit(next, () => gateway, logger, new AddressBook()).open(session);
  opened.dispatch(RequestMessage.fromFrame(Buffer.alloc(0), ApiKey.PRODUCE, 11, 7, true, undefined), client);
  assert.ok(upstreamReply, 'the request went on to the next stage');
  return { upstreamReply, delivered, ensured };
}

describe('GraphExit and the PRODUCE/FETCH skim', () => {
  it('passes a PRODUCE response without nodeEndpoints on at once, undecoded', () => {
    const { upstreamReply, delivered, ensured } = exitWithReply();
    const frame = produceResponseFrame([]);
    const response = ResponseMessage.fromFrame(ApiKey.PRODUCE, 11, frame);
    upstreamReply.respond(response);
    assert.equal(delivered.length, 1, 'delivered synchronously');
    assert.equal(delivered[0], response);
    assert.equal(response.isDecoded, false);
    assert.equal(response.originalFrame, frame);
    assert.deepEqual(ensured, []);
  });

  it("replaces the nodeEndpoints of a PRODUCE response by the gateway's addresses", async () => {
    const { upstreamReply, delivered, ensured } = exitWithReply();
    const response = ResponseMessage.fromFrame(
      ApiKey.PRODUCE,
      11,
      produceResponseFrame([{ nodeId: 2, host: 'broker-2.internal', port: 9092, rack: null }]),
    );
    upstreamReply.respond(response);
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(ensured, [2]);
    assert.equal(delivered.length, 1);
    const frame = delivered[0]!.frameFor(7);
    const body = decodeResponseBody(ApiKey.PRODUCE, 11, frame, readResponseHeader(frame, 1).bodyOffset) as {
      nodeEndpoints: { nodeId: number; host: string; port: number }[];
    };
    assert.deepEqual(
      body.nodeEndpoints.map(({ nodeId, host, port }) => ({ nodeId, host, port })),
      [{ nodeId: 2, host: 'proxy.example', port: 19_002 }],
    );
  });
});
