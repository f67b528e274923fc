// Merging the Prometheus text of several worker processes into one exposition (lifecycle.md
// §13.5): series with identical names and labels are summed (counters, gauges, histogram buckets,
// sums and counts), which is why the catalogue never uses a metric whose sum would mislead.

import { formatNumber } from './registry.ts';

interface Family {
  readonly header: string[];
  readonly samples: Map<string, number>;
}

/** The family a sample belongs to: histogram suffixes belong to their base name. */
function familyOf(sampleName: string, families: ReadonlyMap<string, Family>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (sampleName.endsWith(suffix)) {
      const base = sampleName.slice(0, -suffix.length);
      if (families.has(base)) return base;
    }
  }
  return sampleName;
}

export function mergeExpositions(texts: readonly string[]): string {
  const families = new Map<string, Family>();
  const family = (name: string): Family => {
    let found = families.get(name);
    if (found === undefined) {
      found = { header: [], samples: new Map() };
      families.set(name, found);
    }
    return found;
  };
  for (const text of texts) {
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const header = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (header !== null) {
        const target = family(header[2] as string);
        if (!target.header.some((h) => h.startsWith(`# ${header[1]} `))) target.header.push(line);
        continue;
      }
      if (line.startsWith('#')) continue;
      const space = line.lastIndexOf(' ');
      const series = line.slice(0, space);
      const value = Number(line.slice(space + 1));
      const name = series.split('{')[0] as string;
      const samples = family(familyOf(name, families)).samples;
      samples.set(series, (samples.get(series) ?? 0) + value);
    }
  }
  let merged = '';
  for (const { header, samples } of families.values()) {
    for (const line of header) merged += `${line}\n`;
    for (const [series, value] of samples) merged += `${series} ${formatNumber(value)}\n`;
  }
  return merged;
}
