/**
 * A small timing harness: warm-up, then repetitions until both a minimum count and a minimum
 * time are reached; reports the median. Every step must synchronise (dataSync) its outputs.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface TimingOptions {
  warmup?: number;
  minReps?: number;
  minMs?: number;
  maxReps?: number;
}

/** Median milliseconds per call of `step`. */
export function timeStep(
  step: () => void,
  {warmup = 2, minReps = 5, minMs = 1000, maxReps = 50}: TimingOptions = {},
): number {
  for (let i = 0; i < warmup; i++) step();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < maxReps && (times.length < minReps || performance.now() - start < minMs)) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Like {@link timeStep} for a step that returns a promise (awaited inside the timing). */
export async function timeStepAsync(
  step: () => Promise<unknown>,
  {warmup = 2, minReps = 5, minMs = 1000, maxReps = 50}: TimingOptions = {},
): Promise<number> {
  for (let i = 0; i < warmup; i++) await step();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < maxReps && (times.length < minReps || performance.now() - start < minMs)) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Runs `f` in a tidy scope and reads every resulting tensor back, so that the work is done. */
export function runAndSync(f: () => tf.Tensor | tf.Tensor[]): void {
  tf.tidy(() => {
    const out = f();
    for (const t of Array.isArray(out) ? out : [out]) t.dataSync();
  });
}

/** GFLOP/s of a large square matMul on the active backend, the reference speed of a backend. */
export function matMulGflops(size: number, options?: TimingOptions): number {
  const a = tf.randomNormal([size, size], 0, 1, 'float32', 1);
  const b = tf.randomNormal([size, size], 0, 1, 'float32', 2);
  const ms = timeStep(() => runAndSync(() => tf.matMul(a, b)), options);
  tf.dispose([a, b]);
  return (2 * size ** 3) / ms / 1e6;
}

/** One row of the results table. */
export interface BenchRow {
  backend: string;
  case: string;
  oursMs: number;
  /** null when the baseline could not run (e.g. no python3 with scikit-learn). */
  baselineMs: number | null;
  baseline: string;
  gflops?: number;
  matMulGflops?: number;
}

/** One-line summary of a row. */
export function describeRow(r: BenchRow): string {
  const baseline =
    r.baselineMs === null
      ? `baseline n/a (${r.baseline})`
      : `baseline ${r.baselineMs.toFixed(1)} ms (${(r.baselineMs / r.oursMs).toFixed(2)}x)`;
  return `${r.case}: ours ${r.oursMs.toFixed(1)} ms, ${baseline}`;
}

/** Formats rows as a markdown table. */
export function markdownTable(rows: BenchRow[]): string {
  const lines = [
    '| backend | case | ours ms/step | baseline ms/step | baseline | speed-up | ours GFLOP/s | large matMul GFLOP/s | % of matMul |',
    '|---|---|---:|---:|---|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const g = r.gflops === undefined ? '' : r.gflops.toFixed(1);
    const m = r.matMulGflops === undefined ? '' : r.matMulGflops.toFixed(1);
    const pct =
      r.gflops === undefined || r.matMulGflops === undefined
        ? ''
        : `${((100 * r.gflops) / r.matMulGflops).toFixed(0)}%`;
    const baselineMs = r.baselineMs === null ? 'n/a' : r.baselineMs.toFixed(1);
    const speedUp = r.baselineMs === null ? '' : `${(r.baselineMs / r.oursMs).toFixed(2)}x`;
    lines.push(
      `| ${r.backend} | ${r.case} | ${r.oursMs.toFixed(1)} | ${baselineMs} | ${r.baseline} | ${speedUp} | ${g} | ${m} | ${pct} |`,
    );
  }
  return lines.join('\n');
}
