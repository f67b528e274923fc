// What the filter context offers: the client's TLS details and identity, SASL notifications seen
// by every filter of the session, topic names resolved through the filters after the caller, and
// a failing createFilter() closing only its session.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { PeerCertificate } from 'node:tls';
import {
  ApiKey,
  type Filter,
  type FilterContext,
  FilterResults,
  type MetadataRequest,
  type Subject,
} from '../../../src/index.ts';
import type { ClientTls } from '../../../src/pipeline/stage.ts';
import { encodeResponse } from '../../../src/protocol/index.ts';
import { clientCertificate } from '../../helpers/client-certificates.ts';
import { answer, chainOf, decodedRequest, fakeSession, produceFrame, send, settle, until } from './harness.ts';

const certificates = mkdtempSync(join(tmpdir(), 'switchyard-filter-context-'));
after(() => rmSync(certificates, { recursive: true, force: true }));
const { der } = clientCertificate(certificates, 'alice', { subject: '/O=Acme/CN=alice' });
const certificate = { subject: { O: 'Acme', CN: 'alice' }, raw: der } as unknown as PeerCertificate;

function contextWith(tls: ClientTls): Promise<FilterContext> {
  return new Promise((resolve) => {
    const { chain } = chainOf(
      [
        () => ({
          onProduceRequest: (_h, _r, context) => {
            resolve(context);
            return FilterResults.forward();
          },
        }),
      ],
      20_000,
      tls,
    );
    send(chain, fakeSession(), produceFrame(1, 't'));
  });
}

test('a verified client certificate gives the subject, and the TLS details are visible', async () => {
  const context = await contextWith({
    serverName: 'bootstrap.vc.example',
    peerCertificate: certificate,
    certificateVerified: true,
  });
  assert.equal(context.clientTls?.serverName, 'bootstrap.vc.example');
  assert.equal(context.clientTls?.peerCertificate, certificate);
  assert.deepEqual(context.authenticatedSubject(), {
    principals: [{ type: 'User', name: 'CN=alice,O=Acme' }],
    isAnonymous: false,
  });
});

test('a certificate the gateway did not verify establishes no identity', async () => {
  const context = await contextWith({
    serverName: undefined,
    peerCertificate: certificate,
    certificateVerified: false,
  });
  assert.equal(context.clientTls?.peerCertificate, certificate);
  assert.equal(context.authenticatedSubject().isAnonymous, true);
});

test('a client without certificate has TLS details without one', async () => {
  const none = {} as PeerCertificate;
  const context = await contextWith({ serverName: undefined, peerCertificate: none, certificateVerified: false });
  assert.deepEqual(context.clientTls, { serverName: undefined, peerCertificate: undefined });
  assert.equal(context.authenticatedSubject().isAnonymous, true);
});

test('a SASL notification from one filter changes the subject every filter of the session sees', async () => {
  const seen: Subject[] = [];
  const alice: Subject = { principals: [{ type: 'User', name: 'alice' }], isAnonymous: false };
  const { chain } = chainOf([
    () => ({
      onProduceRequest: (_h, _r, context) => {
        context.saslAuthenticated('PLAIN', alice);
        return FilterResults.forward();
      },
    }),
    () => ({
      onProduceRequest: (_h, _r, context) => {
        seen.push(context.authenticatedSubject());
        return FilterResults.forward();
      },
    }),
  ]);
  const session = fakeSession();
  send(chain, session, produceFrame(1, 't'));
  await settle();
  assert.deepEqual(seen, [alice]);
  const other: Subject[] = [];
  const { chain: second } = chainOf([
    () => ({
      onProduceRequest: (_h, _r, context) => {
        other.push(context.authenticatedSubject());
        return FilterResults.forward();
      },
    }),
  ]);
  send(second, fakeSession('other'), produceFrame(1, 't'));
  await settle();
  assert.equal(other[0]!.isAnonymous, true, 'another session stays anonymous');
});

test('topicNames asks the cluster with one METADATA request, maps ids to names and remembers them', async () => {
  const known = 'AAAAAAAAAAAAAAAAAAAAAQ';
  const unknown = 'AAAAAAAAAAAAAAAAAAAAAg';
  let names: ReadonlyMap<string, string> | undefined;
  const filter: Filter = {
    onProduceRequest: async (_h, _r, context) => {
      names = await context.topicNames([known, unknown, known]);
      return FilterResults.forward();
    },
  };
  const { chain, forwarded } = chainOf([() => filter]);
  const session = fakeSession();
  send(chain, session, produceFrame(1, 't'));
  await until(() => forwarded.length === 1);
  const lookup = forwarded[0]!;
  assert.equal(lookup.request.apiKey, ApiKey.METADATA);
  assert.deepEqual(
    (decodedRequest(lookup.request) as unknown as MetadataRequest).topics?.map((t) => t.topicId),
    [known, unknown],
  );
  answer(
    lookup,
    encodeResponse(ApiKey.METADATA, 12, 0, {
      throttleTimeMs: 0,
      brokers: [],
      clusterId: null,
      controllerId: 1,
      clusterAuthorizedOperations: -2147483648,
      errorCode: 0,
      topics: [
        {
          errorCode: 0,
          name: 'orders',
          topicId: known,
          isInternal: false,
          partitions: [],
          topicAuthorizedOperations: 0,
        },
        {
          errorCode: 100,
          name: null,
          topicId: unknown,
          isInternal: false,
          partitions: [],
          topicAuthorizedOperations: 0,
        },
      ],
    }),
  );
  await until(() => forwarded.length === 2);
  assert.deepEqual([...names!], [[known, 'orders']]);
  // A second request of the session: the known name is remembered, the unknown id asked again.
  send(chain, session, produceFrame(2, 't'));
  await until(() => forwarded.length === 3);
  assert.deepEqual(
    (decodedRequest(forwarded[2]!.request) as unknown as MetadataRequest).topics?.map((t) => t.topicId),
    [unknown],
  );
});

test('createFilter() throwing closes that session and counts the failure', async () => {
  const { chain, forwarded, errors } = chainOf([
    () => {
      throw new Error('no filter today');
    },
  ]);
  const session = fakeSession();
  const record = send(chain, session, produceFrame(1, 't'));
  assert.equal(forwarded.length, 0);
  assert.match(session.failed[0]!, /createFilter\(\) of filter 'f0' failed: no filter today/);
  assert.equal(record.failures.length, 1);
  assert.deepEqual(errors, ['f0:filter_failed']);
});
