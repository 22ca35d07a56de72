/**
 * Scale awareness of the layers: their default initialisations (GMMLayer: means ~ N(0, 1), unit
 * variances; MixtureDensityHead: outputs near 0, standard deviations near 0.7) and their variance
 * floors (1e-3) are in data units, so data far from unit scale trains badly without any error. The
 * first batch is checked once per layer and a console warning names the layer.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Root-mean-square of the data above which a warning is printed. */
export const LARGE_SCALE = 10;
/** Root-mean-square of the data below which a warning is printed (exact zeros excepted). */
export const SMALL_SCALE = 0.1;

/**
 * The root-mean-square of `data`'s entries when it is far from unit scale (above
 * {@link LARGE_SCALE}, or nonzero and below {@link SMALL_SCALE}), else null. Synchronises.
 */
export function farFromUnitScale(data: tf.Tensor): number | null {
  const rms = tf.tidy(() => tf.sqrt(tf.mean(tf.square(data))).dataSync()[0]);
  return rms > LARGE_SCALE || (rms > 0 && rms < SMALL_SCALE) ? rms : null;
}

/**
 * Tracks, per layer, whether its first batch has been checked. `check` returns the warning to
 * print (once) or null; batches of fewer than 2 rows (e.g. the zeros a model is built with) do not
 * count as the first.
 */
export class ScaleCheck {
  private done = false;

  /** Warns once, through console.warn, when `data` [N, ...] is far from unit scale. */
  check(data: tf.Tensor, describe: (rms: number) => string): void {
    if (this.done || data.rank < 1 || data.shape[0] < 2) return;
    this.done = true;
    const rms = farFromUnitScale(data);
    if (rms !== null) console.warn(describe(rms));
  }

  /** Marks the check as done (the layer's parameters were set from data at its scale). */
  skip(): void {
    this.done = true;
  }
}

const CHECKS = new WeakMap<object, ScaleCheck>();

/** The scale check of a layer or spec object (created on first use). */
export function scaleCheckOf(owner: object): ScaleCheck {
  let check = CHECKS.get(owner);
  if (!check) CHECKS.set(owner, (check = new ScaleCheck()));
  return check;
}
