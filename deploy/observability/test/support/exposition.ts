/** The samples of a Prometheus text exposition (`name{label="value",...} value [timestamp]`), comments skipped. */
export interface ExposedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const UNESCAPE: Record<string, string> = { '\\\\': '\\', '\\"': '"', '\\n': '\n' };

export function parseExposition(text: string): ExposedSample[] {
  const out: ExposedSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    const name = line.slice(0, brace !== -1 && brace < space ? brace : space);
    const labels: Record<string, string> = {};
    let rest = line.slice(name.length);
    if (rest.startsWith('{')) {
      // label="value" pairs; values may hold escaped quotes, so walk them instead of splitting.
      let i = 1;
      while (rest[i] !== '}') {
        const eq = rest.indexOf('=', i);
        const key = rest.slice(i, eq).replace(/^,/, '').trim();
        let j = eq + 2;
        let value = '';
        while (rest[j] !== '"') {
          if (rest[j] === '\\') {
            value += UNESCAPE[rest.slice(j, j + 2)] ?? rest.slice(j, j + 2);
            j += 2;
          } else value += rest[j++];
        }
        labels[key] = value;
        i = j + 1;
        if (rest[i] === ',') i += 1;
        if (i >= rest.length) throw new Error(`unterminated labels: ${line}`);
      }
      rest = rest.slice(i + 1);
    }
    const value = rest.trim().split(/\s+/)[0]!;
    out.push({ name, labels, value: value === '+Inf' ? Infinity : value === '-Inf' ? -Infinity : Number(value) });
  }
  return out;
}
