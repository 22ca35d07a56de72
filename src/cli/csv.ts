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

function splitLine(line: string): string[] {
  return line.split(',').map((field) => field.trim().replace(/^"(.*)"$/, '$1'));
}

function isNumber(field: string): boolean {
  return field !== '' && Number.isFinite(Number(field));
}

/**
 * Parses comma-separated numbers, one sample per line. The first line is a header when any of
 * its fields is not a number. Blank lines and lines starting with '#' are skipped. Every other
 * line must hold as many finite numbers as the first data line has columns.
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
  lines.forEach((line, index) => {
    const lineNumber = index + 1;
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const fields = splitLine(line);
    if (
      width === null &&
      header === null &&
      rows.length === 0 &&
      problems.length === 0 &&
      fields.some((f) => !isNumber(f))
    ) {
      header = fields;
      width = fields.length;
      return;
    }
    if (width === null) width = fields.length;
    if (fields.length !== width) {
      problems.push(`line ${lineNumber}: expected ${width} columns, got ${fields.length}`);
      return;
    }
    const bad = fields.findIndex((f) => !isNumber(f));
    if (bad >= 0) {
      problems.push(
        `line ${lineNumber}, column ${bad + 1}${header ? ` (${(header as string[])[bad]})` : ''}: ${JSON.stringify(fields[bad])} is not a finite number`,
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
