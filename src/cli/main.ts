#!/usr/bin/env node
/**
 * `tfjs-gmm`: fit a Gaussian mixture from the command line (see `tfjs-gmm --help`).
 *
 * Exit codes: 0 success, 1 a runtime failure (unreadable or bad input, a fit that fails),
 * 2 a usage error (unknown option, bad value).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'fs';

import '../index';
import {getCovarianceType} from '../../ops/covariance/registry';
import {GaussianMixture} from '../em/gaussian_mixture';
import {GaussianMixtureJSON} from '../em/serialization';
import {SklearnGaussianMixtureJSON} from '../em/sklearn_json';
import {CsvError, formatCsv, parseNumericCsv} from './csv';
import {GeneratedData, generateMixtureData} from './generate';
import {FitOutcome, fitEm, fitSgd} from './fit';
import {MissingPackageError, assertInstalled, backendInstalled, loadBackend, plottingPackages} from './optional';
import {CliOptions, UsageError, helpText, parseOptions} from './options';
import {writeFileAtomically} from './atomic_file';
import {checkFilePaths} from './paths';
import {plotSample} from './figure_data';
import {FigureMixture, PlainMixture, lossFigure, lossFigurePath, mixtureFigure, writeFigure} from './plot';
import {ProgressReporter, ProgressStream} from './progress';
import {fitStreamedInput} from './stream_fit';

/** Streams the CLI writes to (the process's, or captured ones in tests). */
export interface CliStreams {
  stdout: ProgressStream;
  stderr: ProgressStream;
}

/** A failure reported as `tfjs-gmm: <message>` with exit code 1. */
class RunError extends Error {}

function readJSON(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new RunError(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RunError(`${what} ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Our estimator JSON, or scikit-learn's fitted attributes (recognised by `weights_`). */
function loadModel(file: string): GaussianMixture {
  const json = readJSON(file, 'model') as Record<string, unknown>;
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new RunError(
      `model ${file} must hold a JSON object (GaussianMixture.toJSON() or scikit-learn's fitted attributes), but it holds ${JSON.stringify(json).slice(0, 40)}`,
    );
  try {
    return 'weights_' in json
      ? GaussianMixture.fromSklearnJSON(json as unknown as SklearnGaussianMixtureJSON)
      : GaussianMixture.fromJSON(json as unknown as GaussianMixtureJSON);
  } catch (e) {
    throw new RunError(`model ${file} cannot be loaded: ${(e as Error).message}`);
  }
}

function readInput(file: string): number[][] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new RunError(`cannot read input ${file}: ${(e as Error).message}`);
  }
  return parseNumericCsv(text, file).rows;
}

/** Weights and means: what the report prints. */
type MixtureSummary = Pick<PlainMixture, 'weights' | 'means'>;

function summaryOf(model: GaussianMixture): MixtureSummary {
  return {weights: model.weights.arraySync() as number[], means: model.means.arraySync() as number[][]};
}

/**
 * The model for a figure: covariances projected onto two axes straight from the covariance
 * type's canonical form ([K, D, D] factors or [K, D] diagonals), never as K dense D x D matrices
 * of a diagonal model.
 */
function figureMixtureOf(model: GaussianMixture, summary: MixtureSummary): FigureMixture {
  const {nComponents: K, nFeatures: D} = model;
  const projectCovariances = (u: number[], w: number[]) =>
    tf.tidy(() => {
      const axes = tf.transpose(tf.tensor2d([u, w])); // [D, 2]
      const canonical = getCovarianceType(model.covarianceType).toCanonical(model.covariances, K, D);
      let projected: tf.Tensor;
      if (canonical.rank === 3) {
        // [K, D, D]: (S V) for every component, then V^T (S V).
        const sv = tf.reshape(tf.matMul(tf.reshape(canonical, [K * D, D]), axes), [K, D, 2]);
        projected = tf.matMul(tf.reshape(tf.transpose(sv, [0, 2, 1]), [K * 2, D]), axes);
      } else {
        // [K, D] variances: entry (a, b) is sum_d s_d V_da V_db.
        const products = tf.concat(
          [0, 1, 2, 3].map((i) => tf.mul(tf.slice(axes, [0, i >> 1], [D, 1]), tf.slice(axes, [0, i & 1], [D, 1]))),
          1,
        );
        projected = tf.matMul(canonical, products);
      }
      return tf.reshape(projected, [K, 2, 2]).arraySync() as number[][][];
    });
  return {...summary, projectCovariances};
}

function vector(v: number[], digits = 3): string {
  const shown = v.slice(0, 6).map((x) => x.toFixed(digits));
  return `[${shown.join(', ')}${v.length > 6 ? `, ... (${v.length})` : ''}]`;
}

/** Pairs each true component with the nearest unused fitted one (greedy, by mean distance). */
function matchComponents(truth: MixtureSummary, fitted: MixtureSummary): number[] {
  const used = new Set<number>();
  return truth.means.map((t) => {
    let best = -1;
    let bestDistance = Infinity;
    fitted.means.forEach((m, k) => {
      const d = m.reduce((s, v, i) => s + (v - t[i]) ** 2, 0);
      if (!used.has(k) && d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    });
    if (best >= 0) used.add(best);
    return best;
  });
}

function report(out: ProgressStream, fitted: MixtureSummary, generated: GeneratedData | null): void {
  const lines = ['', 'component  weight  mean'];
  fitted.weights.forEach((w, k) =>
    lines.push(`${String(k).padStart(9)}  ${w.toFixed(3).padStart(6)}  ${vector(fitted.means[k])}`),
  );
  if (generated) {
    const order = matchComponents(generated.truth, fitted);
    lines.push('', 'true component  weight  mean                   fitted as  mean error');
    generated.truth.means.forEach((t, j) => {
      const k = order[j];
      const error = k >= 0 ? Math.sqrt(fitted.means[k].reduce((s, v, i) => s + (v - t[i]) ** 2, 0)).toFixed(3) : '-';
      lines.push(
        `${String(j).padStart(14)}  ${generated.truth.weights[j].toFixed(3).padStart(6)}  ${vector(t).padEnd(22)} ${String(k >= 0 ? k : '-').padStart(9)}  ${error.padStart(10)}`,
      );
    });
  }
  out.write(lines.join('\n') + '\n');
}

/**
 * Runs the CLI with `argv` (without node and script) and returns the exit code.
 */
export async function run(argv: readonly string[], streams: CliStreams): Promise<number> {
  const {stdout, stderr} = streams;
  let options: CliOptions;
  try {
    options = parseOptions(argv);
    checkFilePaths(options);
  } catch (e) {
    if (e instanceof UsageError) {
      stderr.write(`tfjs-gmm: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (options.help) {
    stdout.write(helpText() + '\n');
    return 0;
  }
  try {
    await execute(options, streams);
    return 0;
  } catch (e) {
    if (e instanceof RunError || e instanceof CsvError || e instanceof MissingPackageError) {
      stderr.write(`tfjs-gmm: ${e.message}\n`);
      return 1;
    }
    stderr.write(`tfjs-gmm: ${(e as Error).message}\n`);
    return 1;
  }
}

async function execute(options: CliOptions, {stdout, stderr}: CliStreams): Promise<void> {
  const say = (text: string) => {
    if (!options.quiet) stdout.write(text + '\n');
  };
  // Before any work: a missing optional package fails the run at once, not after the fit.
  if (options.visualize) assertInstalled(plottingPackages(options.visualize), '--visualize');
  const backend = options.backend ?? (backendInstalled('wasm') ? 'wasm' : 'cpu');
  loadBackend(backend);
  if (options.backend === undefined && backend === 'cpu')
    say('(running on cpu: npm install @tensorflow/tfjs-backend-wasm for the faster wasm backend)');
  // Library warnings (tfjs's "install tfjs-node" banner) are noise on a command line.
  tf.env().set('PROD', true);
  if (!(await tf.setBackend(backend))) throw new RunError(`the ${backend} backend failed to initialise`);
  await tf.ready();

  if (options.input && !options.model && options.method === 'em' && !options.predict && !options.visualize) {
    await fitStreamedInput(options, {
      stdout,
      stderr,
      say,
      backend: tf.getBackend(),
      report: (model) => {
        if (!options.quiet) report(stdout, summaryOf(model), null);
      },
      writeFile: (file, content) => {
        writeFile(file, content);
      },
    });
    return;
  }
  const generated = options.input
    ? null
    : generateMixtureData(options.samples, options.components, options.dims, options.radius, options.seed);
  const rows = options.input ? readInput(options.input) : generated!.x;
  const x = tf.tensor2d(rows);
  const [N, D] = x.shape;
  const source = options.input ? `${options.input} (${N} x ${D})` : `${N} x ${D} generated samples`;
  let outcome: FitOutcome | null = null;
  let model: GaussianMixture;
  const started = Date.now();
  try {
    if (options.model) {
      model = loadModel(options.model);
      if (model.nFeatures !== D)
        throw new RunError(
          `model ${options.model} has ${model.nFeatures} features, but ${options.input} has ${D} columns`,
        );
      say(
        `tfjs-gmm on ${tf.getBackend()}: scoring ${source} with ${options.model} (${model.nComponents} ${model.covarianceType} components)`,
      );
    } else {
      if (N < options.components)
        throw new RunError(
          `--components ${options.components} needs at least that many samples, but the data have ${N}`,
        );
      const iterations = options.iterations ?? (options.method === 'em' ? 100 : 1000);
      const logFreq = options.logFreq ?? (options.method === 'em' ? 10 : 100);
      say(
        `tfjs-gmm on ${tf.getBackend()}: fitting ${options.components} ${options.covariance} components to ${source} by ${options.method === 'em' ? 'EM' : 'gradient descent (Adam)'}`,
      );
      const progress = new ProgressReporter(
        options.quiet ? {write: () => true} : stdout,
        options.method === 'em' ? 'EM' : 'Adam',
        iterations,
        options.method === 'em' ? 'lower bound' : 'loss',
        logFreq,
      );
      const settings = {
        components: options.components,
        covarianceType: options.covariance,
        iterations,
        seed: options.seed,
        variance: options.variance,
        onProgress: (u: Parameters<ProgressReporter['update']>[0]) => progress.update(u),
        onWarning: (message: string) => progress.interrupt(() => stderr.write(`tfjs-gmm: warning: ${message}\n`)),
      };
      outcome =
        options.method === 'em'
          ? fitEm(x, {...settings, tol: options.tol, nInit: options.nInit, workers: options.workers ?? 1})
          : fitSgd(x, {...settings, mixtureLr: options.mixtureLr, componentLr: options.componentLr});
      progress.finish();
      model = outcome.model;
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(2);
    const meanLogLikelihood = model.score(x);
    const fitLine = outcome
      ? `fitted in ${seconds} s: ${outcome.iterations} iterations${options.method === 'em' ? (outcome.converged ? ', converged' : ', not converged') : ''}`
      : `scored in ${seconds} s`;
    stdout.write(
      `${fitLine}; mean log-likelihood ${meanLogLikelihood.toFixed(4)}, BIC ${model.bic(x).toFixed(1)}, AIC ${model.aic(x).toFixed(1)}\n`,
    );
    const mixture = summaryOf(model);
    if (!options.quiet) report(stdout, mixture, generated);

    if (options.output) {
      writeFile(options.output, JSON.stringify(model.toJSON()));
      say(`wrote the model to ${options.output}`);
    }
    const labels = tf.tidy(() => model.predict(x).arraySync() as number[]);
    if (options.predict) {
      const [logLikelihoods, probabilities] = tf.tidy(() => [
        model.scoreSamples(x).arraySync() as number[],
        model.predictProba(x).arraySync() as number[][],
      ]);
      const header = ['row', 'label', 'log_likelihood', ...mixture.weights.map((_, k) => `p${k}`)];
      writeFile(
        options.predict,
        formatCsv(
          header,
          labels.map((label, n) => [n, label, logLikelihoods[n], ...probabilities[n]]),
        ),
      );
      say(`wrote labels, log-likelihoods and responsibilities of ${N} rows to ${options.predict}`);
    }
    if (options.visualize) {
      const drawn = plotSample(N, options.seed);
      const sampled = drawn.length < N ? `, ${drawn.length} of ${N} points drawn` : '';
      const title = `${model.nComponents} ${model.covarianceType} components, ${source}${sampled}`;
      writeFigure(
        options.visualize,
        mixtureFigure(
          drawn.map((n) => rows[n]),
          drawn.map((n) => labels[n]),
          figureMixtureOf(model, mixture),
          title,
          options.seed,
        ),
      );
      say(`wrote the figure to ${options.visualize}`);
      if (outcome) {
        const lossPath = lossFigurePath(options.visualize);
        writeFigure(
          lossPath,
          lossFigure(
            outcome.curve,
            outcome.curveLabel,
            `${options.method === 'em' ? 'EM' : 'Adam'}: ${outcome.curveLabel}`,
          ),
        );
        say(`wrote the ${options.method === 'em' ? 'lower-bound' : 'loss'} curve to ${lossPath}`);
      }
    }
    model.dispose();
  } finally {
    x.dispose();
  }
}

function writeFile(file: string, content: string): void {
  try {
    writeFileAtomically(file, content);
  } catch (e) {
    throw new RunError(`cannot write ${file}: ${(e as Error).message}`);
  }
}

if (require.main === module) {
  run(process.argv.slice(2), {stdout: process.stdout, stderr: process.stderr}).then((code) => {
    process.exitCode = code;
  });
}
