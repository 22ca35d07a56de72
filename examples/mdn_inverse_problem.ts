/**
 * Bishop's inverse problem (Bishop 1994, "Mixture density networks"): t is uniform on (0, 1) and
 * x = t + 0.3 sin(2 pi t) + noise (uniform on (-0.1, 0.1)). Predicting x from t is easy; predicting
 * t from x is not, because for x in the middle of its range three values of t are possible. A
 * network trained on the squared error predicts their average, which is none of them. A
 * mixture-density network predicts the whole conditional density p(t | x) instead.
 *
 * The example trains a small dense net with a single-Gaussian head (K = 1) and with a
 * five-component head (K = 5) through `model.fit`, compares their held-out negative
 * log-likelihoods, samples t for a grid of x and writes a plot of the data, the samples and the
 * mode (mean of the heaviest component) to out/mdn_inverse_problem.svg. A second part predicts
 * two strongly correlated targets, y = [t, t + 0.02 e], and compares a `diag` with a `full` head.
 *
 * Run: npx tsx examples/mdn_inverse_problem.ts   (or npm run example:mdn)
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {MdnCovarianceType, MixtureDensityHead, SeededRandom, mdnLoss, mdnMode, mdnSample} from '../src';

/** Inputs and targets are fed to the network as (value - CENTRE) / SCALE: roughly unit scale. */
export const CENTRE = 0.5;
export const SCALE = 0.3;

/** The forward map of the problem without noise: x = t + 0.3 sin(2 pi t). */
export function forwardMap(t: number): number {
  return t + 0.3 * Math.sin(2 * Math.PI * t);
}

/** A data set in problem units (`x`, `t`) and in network units (`inputs`, `targets`). */
export interface InverseProblemData {
  /** Inputs x, [N]. */
  x: number[];
  /** Targets t, [N]. */
  t: number[];
  /** (x - CENTRE) / SCALE, [N, 1]. */
  inputs: number[][];
  /** [N, 1]: (t - CENTRE) / SCALE; or [N, 2] with `correlatedNoise`: the same for t and t + noise e. */
  targets: number[][];
}

/**
 * Draws N points of the inverse problem.
 *
 * @param options.correlatedNoise if set, the targets are 2-D, y = [t, t + correlatedNoise e] with
 *   e standard normal: two coordinates that are strongly correlated within each branch.
 */
export function inverseProblemData(
  N: number,
  seed: number,
  options: {correlatedNoise?: number} = {},
): InverseProblemData {
  const rng = new SeededRandom(seed);
  const uniform = () => rng.uniform();
  const normal = () => rng.normal();
  const data: InverseProblemData = {x: [], t: [], inputs: [], targets: []};
  const unit = (v: number) => (v - CENTRE) / SCALE;
  for (let n = 0; n < N; n++) {
    const t = uniform();
    const x = forwardMap(t) + 0.2 * (uniform() - 0.5);
    data.x.push(x);
    data.t.push(t);
    data.inputs.push([unit(x)]);
    data.targets.push(
      options.correlatedNoise === undefined ? [unit(t)] : [unit(t), unit(t + options.correlatedNoise * normal())],
    );
  }
  return data;
}

/** Options of {@link buildMdn}. */
export interface MdnModelOptions {
  nComponents: number;
  outputDim?: number;
  covarianceType?: MdnCovarianceType;
  /** Units of each of the two tanh hidden layers (default 16). */
  hidden?: number;
  /** Seed of the initial weights (default 1). */
  seed?: number;
}

/** The net of this example: Dense(hidden, tanh) -> Dense(hidden, tanh) -> MixtureDensityHead. */
export function buildMdn(options: MdnModelOptions): {model: tfl.LayersModel; head: MixtureDensityHead} {
  const {nComponents, outputDim = 1, covarianceType = 'diag', hidden = 16, seed = 1} = options;
  const input = tfl.input({shape: [1]});
  let features = input;
  for (let layer = 0; layer < 2; layer++) {
    const dense = tfl.layers.dense({
      units: hidden,
      activation: 'tanh',
      kernelInitializer: tfl.initializers.glorotUniform({seed: seed + layer}),
    });
    features = dense.apply(features) as tfl.SymbolicTensor;
  }
  const head = new MixtureDensityHead({
    nComponents,
    outputDim,
    covarianceType,
    kernelInitializer: tfl.initializers.glorotUniform({seed: seed + 2}),
  });
  return {model: tfl.model({inputs: input, outputs: head.apply(features) as tfl.SymbolicTensor}), head};
}

/**
 * Starts the head from the targets (`head.initializeFrom`), compiles the model with Adam and
 * `mdnLoss(head)` and trains it with `model.fit` (by default on
 * the whole data set per step: the data sets here are small). Returns the loss per epoch.
 */
export async function trainMdn(
  model: tfl.LayersModel,
  head: MixtureDensityHead,
  data: InverseProblemData,
  options: {epochs: number; learningRate: number; batchSize?: number},
): Promise<number[]> {
  const {epochs, learningRate, batchSize = data.x.length} = options;
  model.compile({optimizer: tf.train.adam(learningRate), loss: mdnLoss(head)});
  const inputs = tf.tensor2d(data.inputs);
  const targets = tf.tensor2d(data.targets);
  // The data-driven start: every component begins on its own k-means cluster of the targets.
  head.initializeFrom(targets, {seed: 0});
  try {
    const history = await model.fit(inputs, targets, {epochs, batchSize, shuffle: false, verbose: 0});
    return history.history.loss as number[];
  } finally {
    tf.dispose([inputs, targets]);
  }
}

/** Mean negative log-likelihood of held-out data under the model, in network units. */
export function heldOutNLL(model: tfl.LayersModel, head: MixtureDensityHead, data: InverseProblemData): number {
  return tf.tidy(() => {
    const yPred = model.predict(tf.tensor2d(data.inputs)) as tf.Tensor;
    return tf.mean(mdnLoss(head)(tf.tensor2d(data.targets), yPred)).dataSync()[0];
  });
}

/** The values of t on the noise-free curve at input x (one, two or three branches). */
export function branchesAt(x: number): number[] {
  const roots: number[] = [];
  const steps = 2000;
  let previous = forwardMap(0) - x;
  for (let i = 1; i <= steps; i++) {
    const current = forwardMap(i / steps) - x;
    if (previous === 0 || previous * current < 0) {
      // Bisection on the bracketing grid cell.
      let lo = (i - 1) / steps;
      let hi = i / steps;
      for (let k = 0; k < 40; k++) {
        const mid = (lo + hi) / 2;
        if ((forwardMap(lo) - x) * (forwardMap(mid) - x) <= 0) hi = mid;
        else lo = mid;
      }
      roots.push((lo + hi) / 2);
    }
    previous = current;
  }
  return roots;
}

/** Samples of t (problem units) at each input x: `perInput` draws per x from one seeded call. */
export function sampleT(
  model: tfl.LayersModel,
  head: MixtureDensityHead,
  xs: number[],
  perInput: number,
  seed: number,
): number[][] {
  return tf.tidy(() => {
    const inputs = tf.tensor2d(xs.flatMap((x) => Array.from({length: perInput}, () => [(x - CENTRE) / SCALE])));
    const samples = mdnSample(model.predict(inputs) as tf.Tensor, head, {seed}).arraySync() as number[][];
    return xs.map((_, i) => samples.slice(i * perInput, (i + 1) * perInput).map((row) => CENTRE + SCALE * row[0]));
  });
}

/** The mode (mean of the heaviest component) of t at each x, in problem units. */
export function modeT(model: tfl.LayersModel, head: MixtureDensityHead, xs: number[]): number[] {
  return tf.tidy(() => {
    const yPred = model.predict(tf.tensor2d(xs.map((x) => [(x - CENTRE) / SCALE]))) as tf.Tensor;
    return (mdnMode(yPred, head).arraySync() as number[][]).map((row) => CENTRE + SCALE * row[0]);
  });
}

/** Points and styles of the plot. */
export interface PlotSeries {
  label: string;
  points: [number, number][];
  color: string;
  radius: number;
  opacity: number;
}

/** A scatter plot as a self-contained SVG document (axes, ticks, legend). */
export function scatterSvg(
  series: PlotSeries[],
  options: {title: string; xLabel: string; yLabel: string; xRange: [number, number]; yRange: [number, number]},
): string {
  const width = 720;
  const height = 540;
  const margin = {left: 64, right: 24, top: 48, bottom: 56};
  const [x0, x1] = options.xRange;
  const [y0, y1] = options.yRange;
  const px = (x: number) => margin.left + ((x - x0) / (x1 - x0)) * (width - margin.left - margin.right);
  const py = (y: number) => height - margin.bottom - ((y - y0) / (y1 - y0)) * (height - margin.top - margin.bottom);
  const f = (v: number) => v.toFixed(1);
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15">${escape(options.title)}</text>`,
    `<rect x="${margin.left}" y="${margin.top}" width="${width - margin.left - margin.right}" height="${height - margin.top - margin.bottom}" fill="none" stroke="#333"/>`,
  ];
  // Ticks at the multiples of 0.2 inside each range.
  const ticks = (lo: number, hi: number) =>
    Array.from(
      {length: Math.floor(hi / 0.2 + 1e-9) - Math.ceil(lo / 0.2 - 1e-9) + 1},
      (_, i) => (Math.ceil(lo / 0.2 - 1e-9) + i) * 0.2,
    );
  for (const xv of ticks(x0, x1)) {
    parts.push(
      `<line x1="${f(px(xv))}" y1="${height - margin.bottom}" x2="${f(px(xv))}" y2="${height - margin.bottom + 5}" stroke="#333"/>`,
    );
    parts.push(
      `<text x="${f(px(xv))}" y="${height - margin.bottom + 19}" text-anchor="middle">${xv.toFixed(1)}</text>`,
    );
  }
  for (const yv of ticks(y0, y1)) {
    parts.push(`<line x1="${margin.left - 5}" y1="${f(py(yv))}" x2="${margin.left}" y2="${f(py(yv))}" stroke="#333"/>`);
    parts.push(`<text x="${margin.left - 8}" y="${f(py(yv) + 4)}" text-anchor="end">${yv.toFixed(1)}</text>`);
  }
  parts.push(`<text x="${width / 2}" y="${height - 14}" text-anchor="middle">${escape(options.xLabel)}</text>`);
  parts.push(
    `<text x="18" y="${height / 2}" text-anchor="middle" transform="rotate(-90 18 ${height / 2})">${escape(options.yLabel)}</text>`,
  );
  for (const s of series) {
    parts.push(`<g fill="${s.color}" fill-opacity="${s.opacity}">`);
    for (const [x, y] of s.points) {
      if (x >= x0 && x <= x1 && y >= y0 && y <= y1)
        parts.push(`<circle cx="${f(px(x))}" cy="${f(py(y))}" r="${s.radius}"/>`);
    }
    parts.push('</g>');
  }
  series.forEach((s, i) => {
    const y = margin.top + 16 + 18 * i;
    parts.push(`<circle cx="${margin.left + 16}" cy="${y - 4}" r="4" fill="${s.color}"/>`);
    parts.push(`<text x="${margin.left + 26}" y="${y}">${escape(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Writes the plot of data, MDN samples and modes; returns the path written. */
export function writePlot(
  file: string,
  data: InverseProblemData,
  samples: {x: number[]; t: number[][]},
  modes: {x: number[]; t: number[]},
): string {
  const svg = scatterSvg(
    [
      {label: 'training data', points: data.x.map((x, i) => [x, data.t[i]]), color: '#9e9e9e', radius: 2, opacity: 0.6},
      {
        label: 'samples of t ~ p(t | x)',
        points: samples.x.flatMap((x, i) => samples.t[i].map((t): [number, number] => [x, t])),
        color: '#1f77b4',
        radius: 1.6,
        opacity: 0.45,
      },
      {
        label: 'mode: mean of the heaviest component',
        points: modes.x.map((x, i) => [x, modes.t[i]]),
        color: '#d62728',
        radius: 2.4,
        opacity: 1,
      },
    ],
    {
      title: "Mixture-density network on Bishop's inverse problem",
      xLabel: 'x = t + 0.3 sin(2 pi t) + noise',
      yLabel: 't',
      xRange: [-0.2, 1.2],
      yRange: [-0.05, 1.05],
    },
  );
  fs.mkdirSync(path.dirname(file), {recursive: true});
  fs.writeFileSync(file, svg);
  return file;
}

async function main(): Promise<void> {
  await tf.setBackend((await tf.setBackend('wasm')) ? 'wasm' : 'cpu');
  console.log(`Bishop's inverse problem on ${tf.getBackend()}: predict t from x = t + 0.3 sin(2 pi t) + noise`);
  const train = inverseProblemData(1000, 1);
  const test = inverseProblemData(2000, 2);

  const results: Record<string, number> = {};
  let mixture: {model: tfl.LayersModel; head: MixtureDensityHead} | undefined;
  for (const K of [1, 5]) {
    const net = buildMdn({nComponents: K});
    await trainMdn(net.model, net.head, train, {epochs: 1000, learningRate: 0.02});
    results[`K=${K}`] = heldOutNLL(net.model, net.head, test);
    console.log(`  K = ${K}: held-out NLL ${results[`K=${K}`].toFixed(3)} nats per point`);
    if (K === 1) net.model.dispose();
    else mixture = net;
  }

  const grid = Array.from({length: 141}, (_, i) => -0.2 + i * 0.01);
  const samples = sampleT(mixture!.model, mixture!.head, grid, 20, 7);
  const modes = modeT(mixture!.model, mixture!.head, grid);
  const atMiddle = sampleT(mixture!.model, mixture!.head, [0.5], 1000, 8)[0];
  const branches = branchesAt(0.5);
  const shares = branches.map((b) => atMiddle.filter((t) => Math.abs(t - b) < 0.1).length / atMiddle.length);
  console.log(
    `  at x = 0.5 the branches are t = ${branches.map((b) => b.toFixed(3)).join(', ')}; share of K = 5 samples within 0.1 of each: ${shares.map((s) => `${(100 * s).toFixed(0)}%`).join(', ')}`,
  );
  console.log(
    `  plot: ${writePlot(path.join('out', 'mdn_inverse_problem.svg'), train, {x: grid, t: samples}, {x: grid, t: modes})}`,
  );
  mixture!.model.dispose();

  console.log('Two correlated targets y = [t, t + 0.02 e], K = 5, same net and budget:');
  const train2 = inverseProblemData(300, 3, {correlatedNoise: 0.02});
  const test2 = inverseProblemData(2000, 4, {correlatedNoise: 0.02});
  for (const covarianceType of ['diag', 'full'] as const) {
    const net = buildMdn({nComponents: 5, outputDim: 2, covarianceType});
    await trainMdn(net.model, net.head, train2, {epochs: 200, learningRate: 0.01});
    console.log(
      `  ${covarianceType}: held-out NLL ${heldOutNLL(net.model, net.head, test2).toFixed(3)} nats per point`,
    );
    net.model.dispose();
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
