// What GraphExit does to requests on their way into the route graph.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StructuredLogger } from '../../../src/observability/logger.ts';
import type { Reply } from '../../../src/pipeline/reply.ts';
import { RequestMessage } from '../../../src/pipeline/request-message.ts';
import type { SessionHandle, Stage } from '../../../src/pipeline/stage.ts';
import { ApiKey, type ApiVersionsRequest, encodeRequest } from '../../../src/protocol/index.ts';
import { AddressBook } from '../../../src/proxy/address/address-book.ts';
import type { Gateway } from '../../../src/proxy/gateway/gateway.ts';
import { GraphExit } from '../../../src/proxy/response/graph-exit.ts';

/** Sends one API_VERSIONS request through GraphExit and returns what the next stage received. */
function throughGraphExit(apiVersion: number): RequestMessage {
  const received: RequestMessage[] = [];
  const next: Stage = { open: () => ({ dispatch: (message) => received.push(message), close: () => {} }) };
  const exit = new GraphExit(
    next,
    () => ({}) as Gateway,
    new StructuredLogger({ sink: { write: () => {} } }),
    new AddressBook(),
  );
  const body: ApiVersionsRequest = {
    clientSoftwareName: 'test',
    clientSoftwareVersion: '1',
    clusterId: 'the-virtual-cluster',
    nodeId: 7,
  };
  const frame = encodeRequest(ApiKey.API_VERSIONS, apiVersion, 1, 'client', body);
  const message = RequestMessage.fromFrame(frame, ApiKey.API_VERSIONS, apiVersion, 1, true, 7);
  const reply: Reply = { expectsResponse: true, respond: () => {}, fail: () => assert.fail('the request failed') };
  exit.open({} as SessionHandle).dispatch(message, reply);
  assert.equal(received.length, 1);
  return received[0]!;
}

test('an API_VERSIONS v5 request reaches the route graph without the cluster and node ids the client named', () => {
  const body = throughGraphExit(5).body() as ApiVersionsRequest;
  // They are the virtual cluster's: a broker behind a router would answer REBOOTSTRAP_REQUIRED.
  assert.equal(body.clusterId, null);
  assert.equal(body.nodeId, -1);
  assert.equal(body.clientSoftwareName, 'test');
});

test('an API_VERSIONS request before v5 passes as the client sent it, undecoded', () => {
  const message = throughGraphExit(4);
  assert.equal(message.isDecoded, false);
  assert.ok(message.originalFrame);
});
