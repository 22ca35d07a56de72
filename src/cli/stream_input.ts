/**
 * `--input` without loading the file whole: the CSV (or a headerless float32 file,
 * `--input-format f32 --dims D`) is read batch by batch on every pass of `fitAsync`, and the
 * fitted model is scored the same way.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'fs';
import * as readline from 'readline';

import {GaussianMixture} from '../em/gaussian_mixture';
import {StreamSource} from '../em/stream/source';
import {CsvError, parseNumericCsv} from './csv';

/** Lines (CSV) or rows (f32) per batch. */
export const STREAM_BATCH_ROWS = 65536;

/** Shifts the line numbers of a block's problems to the file's (`offset` lines before the block). */
function shiftLines(error: CsvError, offset: number): CsvError {
  return new CsvError(
    error.source,
    error.problems.map((p) => p.replace(/^line (\d+)/, (_, n: string) => `line ${Number(n) + offset}`)),
  );
}

/**
 * A CSV file as a stream of row batches, parsed by the CLI's CSV rules (parseNumericCsv) one
 * block of lines at a time. Every block after the first is parsed behind the file's first line
 * (its header, or its first data row, whose parsed copy is dropped), so that it is read with the
 * same separator, width and header decision as the whole file.
 */
export function csvSource(file: string): StreamSource {
  return async function* () {
    const lines = readline.createInterface({input: fs.createReadStream(file), crlfDelay: Infinity});
    let lead: {line: string; isHeader: boolean} | null = null;
    let block: string[] = [];
    let blockStart = 0; // lines of the file before the block
    let lineCount = 0;
    const parse = (): number[][] => {
      const prefix = lead ? [lead.line] : [];
      try {
        const {rows, header} = parseNumericCsv([...prefix, ...block].join('\n'), file);
        if (!lead) {
          const first = block.find((l) => l.trim() !== '' && !l.trimStart().startsWith('#'))!;
          lead = {line: first, isHeader: header !== null};
          return rows;
        }
        return lead.isHeader ? rows : rows.slice(1);
      } catch (e) {
        if (e instanceof CsvError && e.problems[0] === 'no data rows') return [];
        throw e instanceof CsvError ? shiftLines(e, blockStart - prefix.length) : e;
      }
    };
    try {
      for await (const line of lines) {
        block.push(line);
        lineCount++;
        if (block.length === STREAM_BATCH_ROWS) {
          const rows = parse();
          blockStart = lineCount;
          block = [];
          if (rows.length) yield rows;
        }
      }
      const rows = parse();
      if (rows.length) yield rows;
    } finally {
      lines.close();
    }
  };
}

/**
 * A headerless little-endian float32 file of rows of `dims` values as a stream of [B, dims]
 * tensors (each disposed when the next one is asked for).
 */
export function f32Source(file: string, dims: number): StreamSource {
  const rowBytes = dims * 4;
  const size = fs.statSync(file).size;
  if (size % rowBytes !== 0)
    throw new Error(
      `${file} has ${size} bytes, which is not a whole number of rows of --dims ${dims} float32 values (${rowBytes} bytes each)`,
    );
  return async function* () {
    const handle = await fs.promises.open(file, 'r');
    const buffer = new Float32Array(STREAM_BATCH_ROWS * dims);
    const bytes = new Uint8Array(buffer.buffer);
    let batch: tf.Tensor | null = null;
    try {
      for (;;) {
        let bytesRead = 0;
        for (let n = -1; n !== 0 && bytesRead < bytes.length; bytesRead += n)
          ({bytesRead: n} = await handle.read(bytes, bytesRead, bytes.length - bytesRead, null));
        if (bytesRead === 0) return;
        const rows = Math.floor(bytesRead / rowBytes);
        batch = tf.tensor2d(buffer.subarray(0, rows * dims), [rows, dims]);
        yield batch;
        batch.dispose();
        batch = null;
      }
    } finally {
      batch?.dispose();
      await handle.close();
    }
  };
}

/** The mean log-likelihood and the number of rows of a stream under a fitted model. */
export async function streamScore(model: GaussianMixture, source: StreamSource): Promise<{mean: number; N: number}> {
  const iterable = (source as () => AsyncIterable<tf.TensorLike | tf.Tensor>)();
  let total = 0;
  let N = 0;
  for await (const batch of iterable) {
    const rows = batch instanceof tf.Tensor ? batch.shape[0] : (batch as number[][]).length;
    total += model.score(batch) * rows;
    N += rows;
  }
  return {mean: total / N, N};
}
