/**
 * The demo's tfjs side: picking a backend, and the two ways of fitting a mixture to the points,
 * written as generators (EM's async) that yield a snapshot after every EM iteration or every few
 * gradient steps. The page draws each snapshot and waits for the next animation frame before
 * asking for the next one, so the fit is watched live; leaving the loop early (Stop) runs the
 * generator's `finally`, which stops the fit and frees its tensors.
 */
import * as tf from '@tensorflow/tfjs';
import {GMMLayer, GaussianMixture, denseCovariances, initializeGaussianMixture, mixtureNLL} from 'tfjs-gmm';

/** EM settings: scikit-learn's defaults, spelled out because the tests rerun the fit in Node. */
export const EM_OPTIONS = {tol: 1e-3, regCovar: 1e-6, maxIter: 100, seed: 0};

/**
 * Gradient-descent settings. The start is EM's (k-means labels, then one M-step); `initRegCovar`
 * adds 2 minVariance to every variance of that start, because the layer needs every
 * (conditional) variance above its minVariance floor. The learning rate falls from
 * `learningRate` to 0 along a half cosine over the steps: with a constant rate, Adam's
 * normalised steps keep a size of about the rate near the minimum, where the gradient is mostly
 * float32 noise, and the mixture would jitter instead of settling.
 */
export const GD_OPTIONS = {
  learningRate: 0.08,
  steps: 200,
  stepsPerFrame: 10,
  minVariance: 1e-3,
  initRegCovar: 2e-3,
  seed: 0,
};

/** The learning rate of step `step` (from 0) of `steps`: a half cosine from `initial` to 0. */
function cosineLearningRate(initial, step, steps) {
  return initial * 0.5 * (1 + Math.cos((Math.PI * step) / steps));
}

/** Backends in order of preference. */
const PREFERENCE = ['webgl', 'wasm', 'cpu'];

/**
 * Activates the first backend of `preference` that initialises: webgl, else wasm (its module and
 * .wasm files are served from node_modules), else cpu.
 *
 * @returns the backend's name and a description (e.g. "webgl (WebGL 2)").
 */
export async function chooseBackend(preference = PREFERENCE) {
  for (const name of preference) {
    try {
      if (name === 'wasm') {
        // Loaded only when needed: its module is large, and webgl usually works.
        const {setWasmPaths} = await import('@tensorflow/tfjs-backend-wasm');
        setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
      }
      // setBackend resolves to false (and tfjs logs a warning) when a backend fails to initialise.
      if (await tf.setBackend(name)) {
        await tf.ready();
        const detail = name === 'webgl' ? ` (WebGL ${tf.env().getNumber('WEBGL_VERSION')})` : '';
        return {name, description: name + detail};
      }
    } catch (error) {
      console.warn(`tfjs backend ${name} is not available: ${error.message}`);
    }
  }
  throw new Error(`none of the tfjs backends ${preference.join(', ')} could be initialised`);
}

/** Plain-array copy of a mixture's tensors, with 2 x 2 covariances for drawing. */
function readMixture(covarianceType, {weights, means, covariances}) {
  const w = weights.arraySync();
  const dense = denseCovariances(covariances, covarianceType, w.length, 2);
  const matrices = dense.arraySync();
  dense.dispose();
  return {weights: w, means: means.arraySync(), covariances: matrices};
}

/**
 * Fits by EM with `GaussianMixture.fitAsync`, one snapshot per iteration. fitAsync yields to the
 * event loop after every iteration and, inside its `onIteration` callback, the model holds that
 * iteration's parameters: the callback reads them into a snapshot, and this async generator
 * hands the snapshots to the page in order. Leaving the loop early (Stop) aborts the fit through
 * its AbortSignal; the `finally` waits for it to end and frees the tensors. The fit is `fit`'s
 * computation (test/em/stream/fit_async.test.ts checks that fitAsync equals fit).
 *
 * Yields `{iteration, lowerBound, converged, mixture, labels, logLikelihood}` with `lowerBound`
 * the mean log-likelihood EM monitors (that of the parameters before the iteration's M-step) and
 * `logLikelihood` the mean log-likelihood of the parameters after it.
 */
export async function* fitEM(points, {nComponents, covarianceType}) {
  const x = tf.tensor2d(points);
  const queue = [];
  let wake = null;
  const push = (item) => {
    queue.push(item);
    if (wake) wake();
    wake = null;
  };
  const controller = new AbortController();
  const gm = new GaussianMixture({
    nComponents,
    covarianceType,
    ...EM_OPTIONS,
    // Not converging within maxIter is shown by the page from `converged`.
    onWarning: () => {},
    onIteration: ({iteration, lowerBound}) => {
      const labels = gm.predict(x);
      push({
        snapshot: {
          iteration,
          lowerBound,
          converged: false,
          mixture: readMixture(covarianceType, gm),
          labels: Array.from(labels.dataSync()),
          logLikelihood: gm.score(x),
        },
      });
      labels.dispose();
    },
  });
  const fit = gm.fitAsync(x, {signal: controller.signal}).then(
    () => push({done: true}),
    (error) => push({error}),
  );
  let last = null;
  try {
    for (;;) {
      while (queue.length === 0) await new Promise((resolve) => (wake = resolve));
      const item = queue.shift();
      if (item.error) throw item.error;
      if (item.done) {
        // The snapshot the page holds last is the final iteration's: it converged if the fit did.
        if (last) last.converged = gm.converged;
        return;
      }
      last = item.snapshot;
      yield last;
    }
  } finally {
    controller.abort();
    await fit;
    gm.dispose();
    x.dispose();
  }
}

/**
 * Fits by gradient descent: a `GMMLayer` (unconstrained weights: logits, means, softplus variances
 * and precision-factor entries) started from EM's initialisation and trained with Adam on the mean
 * negative log-likelihood, `stepsPerFrame` steps per snapshot. tfjs optimizers have no
 * learning-rate schedules, but Adam reads its `learningRate` at every step, so the loop sets it.
 *
 * Yields `{step, losses, mixture, labels, logLikelihood}` with `losses` the mean NLL before each
 * step of the batch and `logLikelihood` the mean log-likelihood after its last step.
 */
export function* fitGD(points, {nComponents, covarianceType}) {
  const {learningRate, steps, stepsPerFrame, minVariance, initRegCovar, seed} = GD_OPTIONS;
  const x = tf.tensor2d(points);
  const layer = new GMMLayer({nComponents, covarianceType, minVariance});
  const optimizer = tf.train.adam(learningRate);
  try {
    tf.dispose(layer.apply(x)); // calling the layer builds its weights
    const start = initializeGaussianMixture(x, nComponents, {covarianceType, regCovar: initRegCovar, seed});
    try {
      layer.setMixture(start);
    } finally {
      tf.dispose(start);
    }
    const variables = layer.trainableWeights.map((w) => w.read());
    const loss = () => mixtureNLL(layer.apply(x));
    for (let step = 0; step < steps;) {
      const losses = [];
      for (const end = Math.min(step + stepsPerFrame, steps); step < end; step++) {
        optimizer.learningRate = cosineLearningRate(learningRate, step, steps);
        const value = optimizer.minimize(loss, true, variables);
        losses.push(value.dataSync()[0]);
        value.dispose();
      }
      const snapshot = tf.tidy(() => {
        const logProb = layer.apply(x);
        return {
          step,
          losses,
          mixture: readMixture(covarianceType, layer.getMixture()),
          labels: Array.from(tf.argMax(logProb, -1).dataSync()),
          logLikelihood: -mixtureNLL(logProb).dataSync()[0],
        };
      });
      yield snapshot;
    }
  } finally {
    optimizer.dispose();
    if (layer.built) layer.dispose();
    x.dispose();
  }
}
