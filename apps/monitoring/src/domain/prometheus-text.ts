/** One sample of the Prometheus text format: `name{label="value",…} 1.5`. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Thrown on a line that is not the Prometheus text format; names the line. */
export class PrometheusParseError extends Error {
  constructor(
    readonly lineNumber: number,
    reason: string,
  ) {
    super(`Prometheus text, line ${lineNumber}: ${reason}`);
    this.name = 'PrometheusParseError';
  }
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/**
 * Parses the Prometheus text exposition format (version 0.0.4, what prom-client writes) into samples. Comments
 * (`# HELP`, `# TYPE`) are skipped: a histogram's series are recognised by their `_bucket`/`_count`/`_sum`
 * names. Label values are unescaped (`\\`, `\"`, `\n`); values may be `+Inf`, `-Inf` or `NaN`; a trailing
 * timestamp is ignored. A malformed line throws, so a broken scrape is reported rather than half read.
 */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    samples.push(parseLine(line, index + 1));
  }
  return samples;
}

function parseLine(line: string, lineNumber: number): Sample {
  const name = NAME.exec(line)?.[0];
  if (!name) throw new PrometheusParseError(lineNumber, 'expected a metric name');
  let position = name.length;
  const labels: Record<string, string> = {};
  if (line[position] === '{') {
    position += 1;
    for (;;) {
      position = skipSpaces(line, position);
      if (line[position] === '}') {
        position += 1;
        break;
      }
      const labelName = LABEL_NAME.exec(line.slice(position))?.[0];
      if (!labelName) throw new PrometheusParseError(lineNumber, `expected a label name at column ${position + 1}`);
      position = skipSpaces(line, position + labelName.length);
      if (line[position] !== '=' || line[skipSpaces(line, position + 1)] !== '"') throw new PrometheusParseError(lineNumber, `expected ="…" after label ${labelName}`);
      position = skipSpaces(line, position + 1) + 1;
      let value = '';
      for (;;) {
        const char = line[position];
        if (char === undefined) throw new PrometheusParseError(lineNumber, `unterminated value of label ${labelName}`);
        position += 1;
        if (char === '"') break;
        if (char === '\\') {
          const escaped = line[position];
          position += 1;
          value += escaped === 'n' ? '\n' : escaped === '\\' || escaped === '"' ? escaped : `\\${escaped ?? ''}`;
        } else value += char;
      }
      labels[labelName] = value;
      position = skipSpaces(line, position);
      if (line[position] === ',') position += 1;
      else if (line[position] !== '}') throw new PrometheusParseError(lineNumber, `expected , or } after label ${labelName}`);
    }
  }
  const [rawValue] = line.slice(position).trim().split(/\s+/);
  const value = parseValue(rawValue);
  if (value === undefined) throw new PrometheusParseError(lineNumber, `"${rawValue ?? ''}" is not a sample value`);
  return { name, labels, value };
}

function skipSpaces(line: string, position: number): number {
  while (line[position] === ' ' || line[position] === '\t') position += 1;
  return position;
}

function parseValue(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  // Case-insensitive, as Prometheus reads them: prom-client writes `Nan` for a gauge with no value yet.
  const special = raw.toLowerCase();
  if (special === '+inf' || special === 'inf') return Infinity;
  if (special === '-inf') return -Infinity;
  if (special === 'nan') return NaN;
  const value = Number(raw);
  return Number.isNaN(value) ? undefined : value;
}

/** The value of `le` as a number (`+Inf` included); undefined when the label is missing or not a number. */
export function bucketBound(labels: Readonly<Record<string, string>>): number | undefined {
  return parseValue(labels.le);
}
