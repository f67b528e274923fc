import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupReadiness, groupVirtualClusters, type WorkerReport } from '../../../src/cli/group-status.ts';
import type { VirtualClusterStatus } from '../../../src/proxy/lifecycle/kafka-proxy.ts';

function vc(name: string, state: string, failureReason: string | null = null): VirtualClusterStatus {
  return { name, state, since: '2026-11-21T19:00:00.000Z', failureReason, gateways: [] };
}

const ready = { ready: true, reasons: [] };

test('L82: the group is ready only when started and every worker is ready', () => {
  const workers: WorkerReport[] = [
    { index: 0, readiness: ready, virtualClusters: [vc('orders', 'serving')] },
    { index: 1, readiness: ready, virtualClusters: [vc('orders', 'serving')] },
  ];
  assert.deepEqual(groupReadiness('started', workers), { ready: true, reasons: [] });
  assert.deepEqual(groupReadiness('starting', workers).reasons, ['worker group state is starting']);
  assert.deepEqual(
    groupReadiness('started', [
      workers[0] as WorkerReport,
      { index: 1, readiness: { ready: false, reasons: ["virtual cluster 'orders' is draining"] }, virtualClusters: [] },
      { index: 2, readiness: null, virtualClusters: null },
    ]).reasons,
    ["worker 1: virtual cluster 'orders' is draining", 'worker 2 has not reported its state'],
  );
});

test('/status: a VC is serving when serving in every worker, else as in the lowest-numbered worker where it is not', () => {
  const reports: WorkerReport[] = [
    { index: 0, readiness: ready, virtualClusters: [vc('orders', 'serving'), vc('analytics', 'serving')] },
    { index: 1, readiness: ready, virtualClusters: [vc('orders', 'serving'), vc('analytics', 'failed', 'boom')] },
    { index: 2, readiness: ready, virtualClusters: [vc('orders', 'serving'), vc('analytics', 'initializing')] },
  ];
  assert.deepEqual(
    groupVirtualClusters(reports).map((v) => [v.name, v.state, v.failureReason]),
    [
      ['orders', 'serving', null],
      ['analytics', 'failed', 'boom'],
    ],
  );
});

test('/status: a worker that has not reported makes its VCs initializing', () => {
  const reports: WorkerReport[] = [
    { index: 0, readiness: ready, virtualClusters: [vc('orders', 'serving')] },
    { index: 1, readiness: null, virtualClusters: null },
  ];
  assert.deepEqual(
    groupVirtualClusters(reports).map((v) => [v.name, v.state]),
    [['orders', 'initializing']],
  );
});
