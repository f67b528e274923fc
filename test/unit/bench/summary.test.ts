// The benchmark's last stdout line has the shape issue 16 fixed: later decisions are read from it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summaryLine, type WorkloadResult } from '../../../bench/summary.ts';
import type { TargetName } from '../../../bench/targets.ts';
import type { Figures, WorkloadName } from '../../../bench/workloads.ts';

/** A workload result with one run per target per round, and the comparisons the runner would make. */
function result(
  figuresPerRound: Partial<Record<TargetName, Figures>>[],
  comparisons: Record<string, number[]> = {},
): WorkloadResult {
  return {
    parameters: {},
    available: true,
    rounds: figuresPerRound.map((byTarget, index) => ({
      round: index + 1,
      order: Object.keys(byTarget) as TargetName[],
      runs: Object.entries(byTarget).map(([target, figures]) => ({
        target: target as TargetName,
        figures,
        seconds: 1,
      })),
    })),
    summary: {},
    comparisons: Object.fromEntries(
      Object.entries(comparisons).map(([key, perRound]) => [
        key,
        { perRound, median: [...perRound].sort((a, b) => a - b)[Math.floor(perRound.length / 2)] ?? null },
      ]),
    ),
  };
}

const sameEveryRound = <T>(value: T): T[] => [value, value, value];

describe('summaryLine', () => {
  it('has exactly the members and keys of the issue (routed added by the Router API and the union cluster), null where nothing was measured', () => {
    const { line } = summaryLine({}, [1000]);
    const routed = {
      unionToPlain: null,
      unionCpuPerGbToPlain: null,
      staticToPlain: null,
      dynamicToPlain: null,
      staticCpuPerGbToPlain: null,
      dynamicCpuPerGbToPlain: null,
    };
    assert.deepEqual(JSON.parse(JSON.stringify(line)), {
      produce: { ratioToRelay: null, ratioToReference: null, cpuPerGbToRelay: null, cpuPerGbToReference: null },
      consume: { ratioToRelay: null, ratioToReference: null, cpuPerGbToRelay: null, cpuPerGbToReference: null },
      fixedRate: { achievedRatio: null, addedP99Ms: null, cpuPerGbToRelay: null, cpuPerGbToReference: null },
      latency: { addedP50Ms: null, addedP99Ms: null, relayAddedP50Ms: null },
      connections: { rssMb: null, relayRssMb: null, failures: null },
      idle: { rssMb: null, startSeconds: null },
      routed: { produce: routed, consume: routed },
    });
  });

  it('takes medians over rounds and the per-round comparisons of Switchyard with each target', () => {
    const results: Partial<Record<WorkloadName, WorkloadResult>> = {
      produce: result([], {
        'mbPerSec:switchyard/relay': [0.9, 0.95, 0.92],
        'mbPerSec:switchyard/reference': [1.1, 1.0, 1.05],
        'cpuSecPerGb:switchyard/relay': [1.4, 1.5, 1.45],
        'cpuSecPerGb:switchyard/reference': [0.8, 0.9, 0.85],
      }),
      fixedRate: result(
        [
          { switchyard: { achievedRatio: 0.99 } },
          { switchyard: { achievedRatio: 1.0 } },
          { switchyard: { achievedRatio: 0.98 } },
        ],
        { 'p99Ms:switchyard/direct': [1, 1, 0], 'cpuSecPerGb:switchyard/relay': [1.2, 1.3, 1.25] },
      ),
      latency: result([], {
        'acks1.p50Ms:switchyard/direct': [0.2, 0.21, 0.19],
        'acks1.p99Ms:switchyard/direct': [0.5, 0.6, 0.55],
        'acks1.p50Ms:relay/direct': [0.14, 0.15, 0.13],
      }),
      connections: result(
        sameEveryRound({
          switchyard: { '1000.rssMb': 150, '1000.failures': 0, '10000.rssMb': 900, '10000.failures': 2 },
          relay: { '1000.rssMb': 160, '1000.failures': 0 },
        }),
      ),
      idle: result(sameEveryRound({ switchyard: { rssMb: 48, startSeconds: 0.6 } })),
    };
    const { line, unreliable } = summaryLine(results, [1000, 10_000]);
    assert.deepEqual(line.produce, {
      ratioToRelay: 0.92,
      ratioToReference: 1.05,
      cpuPerGbToRelay: 1.45,
      cpuPerGbToReference: 0.85,
    });
    assert.deepEqual(line.fixedRate, {
      achievedRatio: 0.99,
      addedP99Ms: 1,
      cpuPerGbToRelay: 1.25,
      cpuPerGbToReference: null,
    });
    assert.deepEqual(line.latency, { addedP50Ms: 0.2, addedP99Ms: 0.55, relayAddedP50Ms: 0.14 });
    // RSS of the smallest size; failures of every size and round.
    assert.deepEqual(line.connections, { rssMb: 150, relayRssMb: 160, failures: 6 });
    assert.deepEqual(line.idle, { rssMb: 48, startSeconds: 0.6 });
    // Nothing routed was measured.
    assert.equal(line.routed.produce.unionToPlain, null);
    // p99 rounds of 1, 1, 0 ms spread by 100% of their median.
    assert.deepEqual(
      unreliable.map((entry) => entry.split(' ')[0]),
      ['fixedRate.addedP99Ms'],
    );
  });

  it('routed: the union over two clusters against a pass-through virtual cluster per cluster, from the routed workload', () => {
    const results: Partial<Record<WorkloadName, WorkloadResult>> = {
      routed: result([], {
        'produceMbPerSec:union/vcPerCluster': [0.9, 0.92, 0.5],
        'produceCpuSecPerGb:union/vcPerCluster': [1.2, 1.25, 1.3],
        'consumeMbPerSec:union/vcPerCluster': [1.0, 0.98, 0.99],
        'consumeCpuSecPerGb:union/vcPerCluster': [1.1, 1.05, 1.08],
        // Against direct: in the workload's table, not in the summary line.
        'produceMbPerSec:union/direct': [0.7, 0.7, 0.7],
      }),
      produce: result([], { 'mbPerSec:routerStatic/switchyard': [1.0, 0.99, 1.01] }),
    };
    const { line, unreliable } = summaryLine(results, [1000]);
    assert.deepEqual(line.routed.produce, {
      unionToPlain: 0.9,
      unionCpuPerGbToPlain: 1.25,
      staticToPlain: 1.0,
      dynamicToPlain: null,
      staticCpuPerGbToPlain: null,
      dynamicCpuPerGbToPlain: null,
    });
    assert.equal(line.routed.consume.unionToPlain, 0.99);
    assert.equal(line.routed.consume.unionCpuPerGbToPlain, 1.08);
    // A produce round at 0.5 spreads the rounds by far more than 25% of their median.
    assert.deepEqual(
      unreliable.map((entry) => entry.split(' ')[0]),
      ['routed.produce.unionToPlain'],
    );
  });
});
