// The filter chain executor: decoding on demand, results, ordering, time limit, failure isolation
// and out-of-band requests, against a fake route.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import {
  ApiKey,
  type CreateTopicsRequest,
  ErrorCode,
  type Filter,
  FilterResults,
  KafkaError,
  type ProduceRequest,
  type ProduceResponse,
} from '../../../src/index.ts';
import {
  answer,
  CREATE_TOPICS_VERSION,
  chainOf,
  createTopicsFrame,
  createTopicsResponseFrame,
  decodedRequest,
  decodedResponse,
  fakeSession,
  PRODUCE_VERSION,
  produceFrame,
  produceResponseFrame,
  send,
  settle,
  until,
} from './harness.ts';

test('frames of APIs no filter declared pass as the same bytes, undecoded', async () => {
  const { chain, forwarded, decodes } = chainOf([() => ({ onCreateTopicsRequest: () => FilterResults.forward() })]);
  const session = fakeSession();
  const frame = produceFrame(1, 'orders');
  const record = send(chain, session, frame);
  assert.equal(forwarded.length, 1);
  assert.equal(forwarded[0]!.request.frame, frame);
  assert.equal(forwarded[0]!.reply, record.reply, 'no response wrapper when no filter reads the response');
  assert.deepEqual(decodes, []);
});

test('a filter that forwards unchanged causes a decode but no re-encode', async () => {
  const { chain, forwarded, decodes } = chainOf([() => ({ onProduceRequest: () => FilterResults.forward() })]);
  const frame = produceFrame(1, 'orders');
  send(chain, fakeSession(), frame);
  await settle();
  assert.deepEqual(decodes, [`request:${ApiKey.PRODUCE}`]);
  assert.equal(forwarded[0]!.request.frame, frame);
});

test('forwardModified re-encodes the request with the change', async () => {
  const { chain, forwarded } = chainOf([
    () => ({
      onProduceRequest: (_header, request: ProduceRequest) => {
        request.topicData[0]!.name = 'renamed';
        return FilterResults.forwardModified(request);
      },
    }),
  ]);
  send(chain, fakeSession(), produceFrame(7, 'orders'));
  await settle();
  const request = forwarded[0]!.request;
  assert.equal(request.correlationId, 7);
  assert.equal((decodedRequest(request) as unknown as ProduceRequest).topicData[0]!.name, 'renamed');
});

test('filters run in chain order on requests and in reverse order on responses', async () => {
  const seen: string[] = [];
  const filter =
    (name: string): (() => Filter) =>
    () => ({
      onProduceRequest: () => {
        seen.push(`${name} request`);
        return FilterResults.forward();
      },
      onProduceResponse: () => {
        seen.push(`${name} response`);
        return FilterResults.forward();
      },
    });
  const { chain, forwarded } = chainOf([filter('a'), filter('b')]);
  const record = send(chain, fakeSession(), produceFrame(1, 't'));
  await settle();
  answer(forwarded[0]!, produceResponseFrame(1, 't'));
  await settle();
  assert.deepEqual(seen, ['a request', 'b request', 'b response', 'a response']);
  assert.equal(record.frames.length, 1);
});

test('async filters keep the order of pipelined requests and of their responses', async () => {
  const delays = [30, 0, 10, 0, 20];
  const responsesSeen: number[] = [];
  const { chain, forwarded } = chainOf([
    () => ({
      onProduceRequest: async (header) => {
        await new Promise((resolve) => setTimeout(resolve, delays[header.correlationId]));
        return FilterResults.forward();
      },
      onProduceResponse: async (header) => {
        responsesSeen.push(header.correlationId);
        await new Promise((resolve) => setTimeout(resolve, delays[header.correlationId]));
        return FilterResults.forward();
      },
    }),
  ]);
  const session = fakeSession();
  const records = delays.map((_, i) => send(chain, session, produceFrame(i, `t${i}`)));
  await until(() => forwarded.length === delays.length);
  assert.deepEqual(
    forwarded.map((f) => f.request.correlationId),
    [0, 1, 2, 3, 4],
  );
  // The route answers in reverse order; the filter still sees the responses in request order.
  for (let i = delays.length - 1; i >= 0; i--) answer(forwarded[i]!, produceResponseFrame(i, `t${i}`));
  await until(() => records.every((r) => r.frames.length === 1));
  assert.deepEqual(responsesSeen, [0, 1, 2, 3, 4]);
});

test('respond short-circuits: nothing goes upstream and earlier filters see the response', async () => {
  const seen: string[] = [];
  const { chain, forwarded } = chainOf([
    () => ({
      onProduceResponse: (_h, response: ProduceResponse) => {
        seen.push(`a saw offset ${response.responses[0]!.partitionResponses[0]!.baseOffset}`);
        return FilterResults.forward();
      },
    }),
    () => ({
      onProduceRequest: (_h, request: ProduceRequest) =>
        FilterResults.respond({
          throttleTimeMs: 0,
          responses: request.topicData.map((t) => ({
            name: t.name,
            topicId: t.topicId,
            partitionResponses: [
              {
                index: 0,
                errorCode: 0,
                baseOffset: 42n,
                logAppendTimeMs: -1n,
                logStartOffset: 0n,
                recordErrors: [],
                errorMessage: null,
              },
            ],
          })),
        }),
    }),
  ]);
  const record = send(chain, fakeSession(), produceFrame(3, 'orders'));
  await settle();
  assert.equal(forwarded.length, 0);
  assert.deepEqual(seen, ['a saw offset 42']);
  const body = decodedResponse(ApiKey.PRODUCE, PRODUCE_VERSION, record.frames[0]!.frame) as unknown as ProduceResponse;
  assert.equal(body.responses[0]!.partitionResponses[0]!.baseOffset, 42n);
});

test('respondWithError answers with the API error response carrying the code and message', async () => {
  const { chain, forwarded } = chainOf([
    () => ({
      onCreateTopicsRequest: () =>
        FilterResults.respondWithError(new KafkaError(ErrorCode.POLICY_VIOLATION, 'no topics here')),
    }),
  ]);
  const record = send(chain, fakeSession(), createTopicsFrame(5, 'forbidden'));
  await settle();
  assert.equal(forwarded.length, 0);
  const body = decodedResponse(ApiKey.CREATE_TOPICS, CREATE_TOPICS_VERSION, record.frames[0]!.frame);
  assert.deepEqual(
    (body.topics as { name: string; errorCode: number; errorMessage: string }[]).map((t) => [
      t.name,
      t.errorCode,
      t.errorMessage,
    ]),
    [['forbidden', ErrorCode.POLICY_VIOLATION, 'no topics here']],
  );
});

test('drop of a request without response (acks=0) sends nothing and keeps the connection', async () => {
  const { chain, forwarded } = chainOf([() => ({ onProduceRequest: () => FilterResults.drop() })]);
  const record = send(chain, fakeSession(), produceFrame(1, 't', 0));
  await settle();
  assert.equal(forwarded.length, 0);
  assert.deepEqual(record.failures, []);
  assert.deepEqual(record.frames, []);
});

test('drop of a request the client waits for closes the connection', async () => {
  const { chain, forwarded } = chainOf([() => ({ onProduceRequest: () => FilterResults.drop() })]);
  const record = send(chain, fakeSession(), produceFrame(1, 't'));
  await settle();
  assert.equal(forwarded.length, 0);
  assert.equal(record.failures.length, 1);
  assert.match(record.failures[0]!.message, /dropped a request the client waits for/);
});

test('withCloseConnection delivers the response and then closes', async () => {
  const { chain, forwarded } = chainOf([
    () => ({ onProduceRequest: () => FilterResults.forward().withCloseConnection() }),
  ]);
  const record = send(chain, fakeSession(), produceFrame(1, 't'));
  await settle();
  answer(forwarded[0]!, produceResponseFrame(1, 't'));
  await settle();
  assert.equal(record.frames.length, 1);
  assert.equal(record.frames[0]!.closeWith, 'filter_closed');
});

test('a hook pending longer than the time limit closes the connection with the reason', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { chain, forwarded, errors } = chainOf(
    [() => ({ onProduceRequest: () => new Promise<never>(() => {}) })],
    20_000,
  );
  const record = send(chain, fakeSession(), produceFrame(1, 't'));
  await settle();
  t.mock.timers.tick(19_999);
  await settle();
  assert.equal(record.failures.length, 0);
  t.mock.timers.tick(1);
  await settle();
  assert.equal(forwarded.length, 0);
  assert.equal(record.failures.length, 1);
  assert.match(record.failures[0]!.message, /did not complete onProduceRequest\(\) within 20000 ms/);
  assert.deepEqual(errors, ['f0:filter_failed']);
});

test('a filter that throws fails its own session only', async () => {
  let calls = 0;
  const { chain, forwarded, errors } = chainOf([
    () => ({
      onProduceRequest: () => {
        calls++;
        if (calls === 1) throw new Error('boom');
        return FilterResults.forward();
      },
    }),
  ]);
  const broken = send(chain, fakeSession('a'), produceFrame(1, 't'));
  const healthy = send(chain, fakeSession('b'), produceFrame(1, 't'));
  await settle();
  assert.match(broken.failures[0]!.message, /filter 'f0' failed in onProduceRequest\(\): boom/);
  assert.deepEqual(healthy.failures, []);
  assert.equal(forwarded.length, 1);
  assert.equal(forwarded[0]!.reply, healthy.reply);
  assert.deepEqual(errors, ['f0:filter_failed']);
});

test('a hook that returns something else than a result fails the session', async () => {
  const { chain } = chainOf([() => ({ onProduceRequest: () => 'forward' as never })]);
  const record = send(chain, fakeSession(), produceFrame(1, 't'));
  await settle();
  assert.match(record.failures[0]!.message, /not a FilterResults value/);
});

test('an out-of-band request passes only the later filters and answers its sender alone', async () => {
  const seen: string[] = [];
  let outOfBand: Promise<unknown> | undefined;
  const { chain, forwarded } = chainOf([
    () => ({
      onCreateTopicsRequest: (header, request: CreateTopicsRequest, context) => {
        seen.push('sender request');
        outOfBand = context.sendRequest(
          { requestApiKey: ApiKey.PRODUCE, requestApiVersion: PRODUCE_VERSION, correlationId: 0, clientId: 'oob' },
          {
            transactionalId: null,
            acks: -1,
            timeoutMs: 1000,
            topicData: [{ name: 'side', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitionData: [] }],
          },
        );
        void header;
        void request;
        return FilterResults.forward();
      },
      onProduceRequest: () => {
        seen.push('sender saw produce');
        return FilterResults.forward();
      },
    }),
    () => ({
      onProduceRequest: () => {
        seen.push('later request');
        return FilterResults.forward();
      },
      onProduceResponse: () => {
        seen.push('later response');
        return FilterResults.forward();
      },
    }),
  ]);
  const record = send(chain, fakeSession(), createTopicsFrame(1, 'x'));
  await settle();
  const oob = forwarded.find((f) => f.request.apiKey === ApiKey.PRODUCE)!;
  assert.ok(oob, 'the out-of-band request reached the route');
  answer(oob, produceResponseFrame(0, 'side', 9n));
  const response = (await outOfBand) as ProduceResponse;
  assert.equal(response.responses[0]!.partitionResponses[0]!.baseOffset, 9n);
  assert.deepEqual(seen, ['sender request', 'later request', 'later response']);
  assert.deepEqual(record.frames, [], 'the client got nothing for the out-of-band request');
});

test('out-of-band requests pending when the session closes reject', async () => {
  let answer: Promise<unknown> | undefined;
  const { chain } = chainOf([
    () => ({
      onProduceRequest: (_h, request: ProduceRequest, context) => {
        answer = context.sendRequest(
          { requestApiKey: ApiKey.PRODUCE, requestApiVersion: PRODUCE_VERSION, correlationId: 0, clientId: null },
          request,
        );
        return FilterResults.forward();
      },
    }),
  ]);
  const session = fakeSession();
  send(chain, session, produceFrame(1, 't'));
  await settle();
  chain.sessionClosed(session);
  await assert.rejects(answer!, { code: 'ERR_SESSION_CLOSED' });
});

test('close() of every filter instance runs when the session closes', async () => {
  const closed = mock.fn();
  const { chain } = chainOf([() => ({ onProduceRequest: () => FilterResults.forward(), close: closed })]);
  const session = fakeSession();
  send(chain, session, produceFrame(1, 't'));
  chain.sessionClosed(session);
  assert.equal(closed.mock.callCount(), 1);
});

test('a filter sees only the versions it declared', async () => {
  const { chain, forwarded, decodes } = chainOf([
    () => ({
      interests: [{ apiKey: ApiKey.PRODUCE, minVersion: PRODUCE_VERSION + 1 }],
      onProduceRequest: () => FilterResults.drop(),
    }),
  ]);
  send(chain, fakeSession(), produceFrame(1, 't'));
  await settle();
  assert.equal(forwarded.length, 1, `PRODUCE v${PRODUCE_VERSION} passes untouched`);
  assert.deepEqual(decodes, []);
});

test('instancesClosed() waits for the async close() of the filter instances', async () => {
  let finish: () => void = () => {};
  const { chain } = chainOf([
    () => ({
      onProduceRequest: () => FilterResults.forward(),
      close: () =>
        new Promise<void>((resolve) => {
          finish = resolve;
        }),
    }),
  ]);
  const session = fakeSession();
  send(chain, session, produceFrame(1, 't'));
  chain.sessionClosed(session);
  let closed = false;
  const waiting = chain.instancesClosed().then(() => {
    closed = true;
  });
  await settle();
  assert.equal(closed, false);
  finish();
  await waiting;
  assert.equal(closed, true);
});

test('R74: a filter’s own request goes to the node of the request it is processing, and to the default node outside hooks', async () => {
  const header = {
    requestApiKey: ApiKey.PRODUCE,
    requestApiVersion: PRODUCE_VERSION,
    correlationId: 0,
    clientId: 'oob',
  };
  const body = {
    transactionalId: null,
    acks: 0,
    timeoutMs: 1000,
    topicData: [{ name: 'side', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitionData: [] }],
  };
  let context: Parameters<NonNullable<Filter['onRequest']>>[3] | undefined;
  const { chain, forwarded } = chainOf([
    () => ({
      onCreateTopicsRequest: (_header, _request, filterContext) => {
        context = filterContext;
        void filterContext.sendRequest(header, body);
        return FilterResults.forward();
      },
      onCreateTopicsResponse: (_header, _response, filterContext) => {
        void filterContext.sendRequest(header, body);
        return FilterResults.forward();
      },
    }),
  ]);
  send(chain, fakeSession(), createTopicsFrame(1, 'x'), 7);
  await settle();
  const client = forwarded.find((f) => f.request.apiKey === ApiKey.CREATE_TOPICS)!;
  client.request.message.node = 0; // a later stage re-addresses the client's request on its route
  answer(client, createTopicsResponseFrame(1, 'x'));
  await settle();
  void context!.sendRequest(header, body);
  await settle();
  const own = forwarded.filter((f) => f.request.apiKey === ApiKey.PRODUCE).map((f) => f.request.message.node);
  assert.deepEqual(own, [7, 7, undefined], 'while processing the request and its response, then outside any hook');
});

test('a filter that calls interestsChanged() is asked for its interests again: a request it no longer declares passes undecoded', async () => {
  let interests: ApiKey[] | undefined = [ApiKey.PRODUCE];
  const seen: number[] = [];
  const { chain, forwarded, decodes } = chainOf([
    () => ({
      get interests() {
        return interests;
      },
      onRequest: (apiKey, _header, _request, context) => {
        seen.push(apiKey);
        interests = [ApiKey.CREATE_TOPICS];
        context.interestsChanged();
        return FilterResults.forward();
      },
    }),
  ]);
  const session = fakeSession();
  send(chain, session, produceFrame(1, 't'));
  await settle();
  decodes.length = 0;
  send(chain, session, produceFrame(2, 't'));
  await settle();
  assert.deepEqual(seen, [ApiKey.PRODUCE]);
  assert.equal(forwarded.length, 2);
  assert.deepEqual(decodes, []);
});
