/**
 * Numeric CSV input for the CLI.
 */

/** Result of {@link parseNumericCsv}. */
export interface NumericTable {
  rows: number[][];
  /** Column names when the first line is a header, else null. */
  header: string[] | null;
}

/** A CSV with bad lines; `problems` lists each with its 1-based line number. */
export class CsvError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(
      `${source}: ${problems.length} bad line${problems.length === 1 ? '' : 's'}:\n  ${problems.slice(0, 20).join('\n  ')}${problems.length > 20 ? `\n  ... and ${problems.length - 20} more` : ''}`,
    );
  }
}

/** Separators recognised, in the order they are looked for in the first line. */
const SEPARATORS = [';', '\t', ','] as const;

/** Decimal notation only: no hexadecimal, binary, octal, Infinity or digit separators. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A cell that starts like a number (a sign or point, then a digit): never a column name. */
const NUMERIC_LOOKING = /^[+-]?\.?\d/;

/** Largest finite float32: the data go to float32 tensors. */
const FLOAT32_MAX = 3.4028234663852886e38;

function splitLine(line: string, separator: string): string[] {
  return line.split(separator).map((field) => field.trim().replace(/^"(.*)"$/, '$1'));
}

/** Why a cell is not a usable number, or null when it is one. */
function cellProblem(field: string): string | null {
  if (!DECIMAL.test(field)) return 'is not a decimal number';
  if (Math.abs(Number(field)) > FLOAT32_MAX) return 'is outside the float32 range (|x| <= 3.4e38)';
  return null;
}

/**
 * Parses numbers separated by ';', tabs or commas (the first of these found in the first line),
 * one sample per line, in decimal notation (`-1.5`, `2e-3`; no `0x10`, `Infinity`, `1_000`),
 * within the float32 range. The first line is a header when none of its cells looks numeric
 * (starts with a digit, or a sign or point and a digit): a first line such as `-0.O7059,0.8590`
 * is data with a bad cell, not a header. Blank lines and lines starting with '#' are skipped.
 * Every other line must hold as many numbers as the first line has cells.
 *
 * @param source name used in messages (e.g. the file path).
 * @throws CsvError listing every bad line with its line number.
 */
export function parseNumericCsv(text: string, source: string): NumericTable {
  const lines = text.split(/\r?\n/);
  const rows: number[][] = [];
  const problems: string[] = [];
  let header: string[] | null = null;
  let width: number | null = null;
  let separator: string | null = null;
  lines.forEach((line, index) => {
    const lineNumber = index + 1;
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    separator ??= SEPARATORS.find((s) => line.includes(s)) ?? ',';
    const fields = splitLine(line, separator);
    if (width === null && !fields.some((f) => NUMERIC_LOOKING.test(f))) {
      header = fields;
      width = fields.length;
      return;
    }
    if (width === null) width = fields.length;
    if (fields.length !== width) {
      problems.push(`line ${lineNumber}: expected ${width} columns, got ${fields.length}`);
      return;
    }
    const bad = fields.findIndex((f) => cellProblem(f) !== null);
    if (bad >= 0) {
      problems.push(
        `line ${lineNumber}, column ${bad + 1}${header ? ` (${(header as string[])[bad]})` : ''}: ${JSON.stringify(fields[bad])} ${cellProblem(fields[bad])}`,
      );
      return;
    }
    rows.push(fields.map(Number));
  });
  if (problems.length) throw new CsvError(source, problems);
  if (rows.length === 0) throw new CsvError(source, ['no data rows']);
  return {rows, header};
}

/** Formats rows as CSV with a header line. */
export function formatCsv(header: string[], rows: (number | string)[][]): string {
  return (
    [
      header.join(','),
      ...rows.map((r) => r.map((v) => (typeof v === 'number' ? String(Number(v.toPrecision(8))) : v)).join(',')),
    ].join('\n') + '\n'
  );
}
