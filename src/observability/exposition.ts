// Reading samples back out of Prometheus text (format 0.0.4). The admin page summarizes the same
// text /metrics serves, so that one process and a supervisor merging its workers (merge.ts) are
// read the same way.

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample of `text`, comments skipped. Lines that are not samples are ignored. */
export function* parseSamples(text: string): Iterable<Sample> {
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    if (space <= 0) continue;
    const series = line.slice(0, space);
    const value = Number(line.slice(space + 1));
    const brace = series.indexOf('{');
    const name = brace === -1 ? series : series.slice(0, brace);
    const labels: Record<string, string> = {};
    if (brace !== -1) {
      for (const match of series.slice(brace).matchAll(LABEL)) {
        labels[match[1] as string] = unescapeLabelValue(match[2] as string);
      }
    }
    yield { name, labels, value };
  }
}

function unescapeLabelValue(text: string): string {
  return text.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));
}
