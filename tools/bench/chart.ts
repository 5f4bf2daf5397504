/**
 * The report's chart, as SVG written by hand: for each figure that carries numbers, a bar for the measured value and
 * one for its baseline, grouped by benchmark and unit (each group scaled to its own largest value), labelled with both
 * values.
 */

/** The numeric side of a report row. */
export interface ChartRow {
  readonly figure: string;
  readonly scenario?: string;
  /** Which benchmark wrote it: rows are grouped by benchmark and unit. */
  readonly bench?: string;
  readonly value?: number;
  readonly baselineValue?: number;
  readonly unit?: string;
}

const WIDTH = 900;
const LABEL = 420;
const BAR = 12;
const ROW = 2 * BAR + 16;
const COLORS = { measured: '#2563eb', baseline: '#9ca3af' };

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const format = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2));

/** The SVG, or undefined when no row has both numbers. */
export function renderChart(rows: readonly ChartRow[]): string | undefined {
  const numeric = rows.filter((row) => Number.isFinite(row.value) && Number.isFinite(row.baselineValue) && row.unit);
  if (numeric.length === 0) return undefined;
  const groupOf = (row: ChartRow) => `${row.bench ? `${row.bench}, ` : ''}${row.unit}`;
  const groups = [...new Set(numeric.map(groupOf))];
  const parts: string[] = [];
  let y = 40;
  const clip = (text: string, length: number) => (text.length > length ? `${text.slice(0, length - 1)}…` : text);
  parts.push(`<text x="10" y="24" font-size="16" font-weight="bold">Measured (blue) beside its baseline from the same run (grey)</text>`);
  for (const name of groups) {
    const group = numeric.filter((row) => groupOf(row) === name);
    const max = Math.max(...group.flatMap((row) => [row.value!, row.baselineValue!]), Number.MIN_VALUE);
    parts.push(`<text x="10" y="${y + 14}" font-size="13" font-weight="bold">${escape(name)}</text>`);
    y += 24;
    for (const row of group) {
      parts.push(`<text x="10" y="${y + BAR - 2}" font-size="11">${escape(clip(row.figure, 62))}</text>`);
      if (row.scenario) parts.push(`<text x="10" y="${y + 2 * BAR + 1}" font-size="9" fill="#6b7280">${escape(clip(row.scenario, 78))}</text>`);
      for (const [i, [kind, value]] of ([['measured', row.value!], ['baseline', row.baselineValue!]] as const).entries()) {
        const length = Math.max(1, ((WIDTH - LABEL - 80) * Math.max(0, value)) / max);
        const top = y + i * (BAR + 2);
        parts.push(`<rect x="${LABEL}" y="${top}" width="${length.toFixed(1)}" height="${BAR}" fill="${COLORS[kind]}"/>`);
        parts.push(`<text x="${(LABEL + length + 4).toFixed(1)}" y="${top + BAR - 2}" font-size="10">${format(value)}</text>`);
      }
      y += ROW;
    }
    y += 8;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y + 10}" viewBox="0 0 ${WIDTH} ${y + 10}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
