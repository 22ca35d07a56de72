/**
 * Imputing missing features with a fitted joint mixture (Gaussian mixture regression).
 *
 * A full-covariance GaussianMixture is fitted to 100 rows of Fisher's iris data
 * (examples/data/iris.json, written by examples/data/generate_iris.py from scikit-learn's copy).
 * On the 50 held-out rows, one feature at a time (and then both petal features) is hidden and
 * predicted from the others by `predictConditional`: E[x_missing | x_observed] under the mixture,
 * whose components are re-weighted by how well each explains the observed features. The baseline
 * is mean imputation (the training mean of the hidden feature). Reported: the RMSE of both.
 *
 * Run: npx tsx examples/impute.ts
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'fs';
import * as path from 'path';

import {GaussianMixture, SeededRandom} from '../src';

/** Fisher's iris data as scikit-learn ships it. */
export interface Iris {
  featureNames: string[];
  data: number[][];
}

export function loadIris(): Iris {
  return JSON.parse(fs.readFileSync(path.join(__dirname, 'data', 'iris.json'), 'utf8'));
}

/** A seeded shuffle of the rows into `nTrain` training rows and the rest. */
export function splitRows(rows: number[][], nTrain: number, seed = 0): {train: number[][]; test: number[][]} {
  const rng = new SeededRandom(seed);
  const order = rows.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.integer(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return {train: order.slice(0, nTrain).map((i) => rows[i]), test: order.slice(nTrain).map((i) => rows[i])};
}

/** Root-mean-square error over all entries. */
function rmse(predicted: number[][], actual: number[][]): number {
  let total = 0;
  let count = 0;
  predicted.forEach((row, n) =>
    row.forEach((v, j) => {
      total += (v - actual[n][j]) ** 2;
      count++;
    }),
  );
  return Math.sqrt(total / count);
}

/** One imputation task: the hidden features and the RMSE of each method. */
export interface ImputationResult {
  hidden: number[];
  mixtureRmse: number;
  meanRmse: number;
}

/**
 * Fits the mixture on `train` and imputes every hidden-feature pattern on `test`.
 *
 * @param patterns sets of hidden features (default: each feature alone, then both petal features).
 */
export function imputeIris({nComponents = 3, seed = 0, patterns = [[0], [1], [2], [3], [2, 3]]} = {}): {
  results: ImputationResult[];
  featureNames: string[];
} {
  const iris = loadIris();
  const D = iris.data[0].length;
  const {train, test} = splitRows(iris.data, 100, seed);
  const gm = new GaussianMixture({nComponents, covarianceType: 'full', nInit: 3, seed}).fit(train);
  const trainMeans = Array.from({length: D}, (_, j) => train.reduce((s, r) => s + r[j], 0) / train.length);
  const results = patterns.map((hidden) => {
    const given = Array.from({length: D}, (_, j) => j).filter((j) => !hidden.includes(j));
    const prediction = gm.predictConditional(
      given,
      test.map((row) => given.map((j) => row[j])),
    );
    const predicted = prediction.arraySync();
    prediction.dispose();
    const actual = test.map((row) => hidden.map((j) => row[j]));
    return {
      hidden,
      mixtureRmse: rmse(predicted, actual),
      meanRmse: rmse(
        test.map(() => hidden.map((j) => trainMeans[j])),
        actual,
      ),
    };
  });
  gm.dispose();
  return {results, featureNames: iris.featureNames};
}

function main(): void {
  const {results, featureNames} = imputeIris();
  console.log('iris, 100 training rows, 50 held-out rows: RMSE (cm) of the imputed features');
  console.log('hidden features'.padEnd(44) + 'mixture (K = 3, full)'.padEnd(24) + 'mean imputation');
  for (const {hidden, mixtureRmse, meanRmse} of results) {
    const names = hidden.map((j) => featureNames[j]).join(' + ');
    console.log(names.padEnd(44) + mixtureRmse.toFixed(3).padEnd(24) + meanRmse.toFixed(3));
  }
}

if (require.main === module) {
  tf.setBackend('cpu')
    .then(main)
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
