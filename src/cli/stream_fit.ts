/**
 * The CLI's EM fit of an `--input` file streamed through `GaussianMixture.fitAsync` (the file is
 * read in batches on every pass, never whole), with progress per EM iteration and the summary
 * scored by another streamed pass.
 */
import * as fs from 'fs';

import {GaussianMixture} from '../em/gaussian_mixture';
import {fixedVarianceOption} from './fit';
import {CliOptions} from './options';
import {ProgressReporter, ProgressStream} from './progress';
import {CsvError} from './csv';
import {csvSource, f32Source, streamScore} from './stream_input';

/** Fits `options.input` by streamed EM, prints the summary and writes `--output`. */
export async function fitStreamedInput(
  options: CliOptions,
  out: {
    stdout: ProgressStream;
    stderr: ProgressStream;
    say: (text: string) => void;
    backend: string;
    /** Prints the fitted components (main.ts's report). */
    report: (model: GaussianMixture) => void;
    /** Writes an output file (main.ts's protected, atomic writer). */
    writeFile: (file: string, content: string) => void;
  },
): Promise<void> {
  const file = options.input!;
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch (e) {
    throw new Error(`cannot read input ${file}: ${(e as Error).message}`);
  }
  const source = options.inputFormat === 'f32' ? f32Source(file, options.dims) : csvSource(file);
  const iterations = options.iterations ?? 100;
  out.say(
    `tfjs-gmm on ${out.backend}: fitting ${options.components} ${options.covariance} components to ${file} by EM, streamed (read in batches on every pass)`,
  );
  const progress = new ProgressReporter(
    options.quiet ? {write: () => true} : out.stdout,
    'EM',
    iterations,
    'lower bound',
    options.logFreq ?? 10,
  );
  const started = Date.now();
  const model = new GaussianMixture({
    nComponents: options.components,
    covarianceType: options.covariance,
    ...fixedVarianceOption(options.covariance, options.variance),
    maxIter: iterations,
    tol: options.tol,
    nInit: options.nInit,
    seed: options.seed,
    workers: options.workers ?? 1,
    onWarning: (message) => progress.interrupt(() => out.stderr.write(`tfjs-gmm: warning: ${message}\n`)),
    onIteration: ({iteration, lowerBound, change}) =>
      progress.update({iteration, value: lowerBound, change: Number.isFinite(change) ? change : undefined}),
  });
  try {
    // A bad CSV line is reported as the in-memory reader reports it (the CsvError the source threw).
    await model.fitAsync(source).catch((e: unknown) => {
      const cause = (e as {cause?: unknown} | null)?.cause;
      throw cause instanceof CsvError ? cause : e;
    });
    progress.finish();
    const seconds = ((Date.now() - started) / 1000).toFixed(2);
    const {mean, N} = await streamScore(model, source);
    const p = model.nParameters();
    out.stdout.write(
      `fitted in ${seconds} s: ${model.nIter} iterations${model.converged ? ', converged' : ', not converged'}; ` +
        `mean log-likelihood ${mean.toFixed(4)}, BIC ${(-2 * mean * N + p * Math.log(N)).toFixed(1)}, AIC ${(-2 * mean * N + 2 * p).toFixed(1)}\n`,
    );
    const threads = model.runningWorkers > 0 ? `, EM passes on ${model.runningWorkers} worker threads` : '';
    out.say(`(${N} x ${model.nFeatures} rows, read in batches${threads})`);
    out.report(model);
    if (options.output) {
      out.writeFile(options.output, JSON.stringify(model.toJSON()));
      out.say(`wrote the model to ${options.output}`);
    }
  } finally {
    model.dispose();
  }
}
