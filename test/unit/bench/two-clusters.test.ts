// How the routed workload's two clients, run at once, combine into one throughput and one CPU cost.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterPrefix, combinedMbPerSec, cpuSecondsPerGb } from '../../../bench/two-clusters.ts';

describe('two clients at once', () => {
  it('throughput is everything both moved over the time the slower one took', () => {
    // 100 MB in 2 s and 100 MB in 4 s: 50 MB/s, not 50 + 25 = 75.
    assert.equal(
      combinedMbPerSec([
        { megabytes: 100, seconds: 2 },
        { megabytes: 100, seconds: 4 },
      ]),
      50,
    );
  });

  it('no run, or runs that took no time, give no figure rather than infinity', () => {
    assert.ok(Number.isNaN(combinedMbPerSec([])));
    assert.ok(Number.isNaN(combinedMbPerSec([{ megabytes: 1, seconds: 0 }])));
  });

  it('CPU per GB is over what both moved together (GB = 1024 MB)', () => {
    assert.equal(
      cpuSecondsPerGb(3, [
        { megabytes: 512, seconds: 1 },
        { megabytes: 1024, seconds: 9 },
      ]),
      2,
    );
    assert.ok(Number.isNaN(cpuSecondsPerGb(1, [{ megabytes: 0, seconds: 1 }])));
  });

  it('the clusters have different name prefixes, neither a prefix of the other', () => {
    const [a, b] = [clusterPrefix(0), clusterPrefix(1)];
    assert.ok(!a.startsWith(b) && !b.startsWith(a));
  });
});
