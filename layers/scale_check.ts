/**
 * Scale awareness of the layers: their default starts (GMMLayer: means ~ N(0, 1), unit variances;
 * MixtureDensityHead: means near 0, standard deviations near 0.7) and their variance floors are in
 * data units, so data far from unit scale train badly without any error. The first batch is
 * compared, once per layer, with the scale of the mixture the layer currently describes (so a
 * layer started from its data, or trained and loaded, does not warn), and a console warning names
 * the layer when they differ by more than {@link SCALE_RATIO}.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Ratio of the data's scale to the mixture's beyond which (either way) a warning is printed. */
export const SCALE_RATIO = 10;

/** Root-mean-square of a tensor's entries (a scalar tensor). */
function rootMeanSquare(t: tf.Tensor): tf.Tensor {
  return tf.sqrt(tf.mean(tf.square(t)));
}

/**
 * Tracks, per layer, whether its first batch has been checked. Batches of fewer than 2 rows or of
 * zeros (e.g. what a model is built with) do not count as the first.
 */
class ScaleCheck {
  private done = false;

  /**
   * Warns once, through console.warn, when `data` [N, ...] and the mixture differ in scale by more
   * than {@link SCALE_RATIO}. `mixtureScale` gives the root-mean-square of a draw from the mixture
   * (sqrt(mean of squared means + mean variance)); it runs only when the check runs. Synchronises
   * once.
   */
  check(
    data: tf.Tensor,
    mixtureScale: () => tf.Tensor,
    describe: (dataScale: number, mixture: number) => string,
  ): void {
    if (this.done || data.rank < 1 || data.shape[0] < 2) return;
    const [dataScale, mixture] = tf
      .tidy(() => [rootMeanSquare(data), mixtureScale()])
      .map((s) => {
        const value = s.dataSync()[0];
        s.dispose();
        return value;
      });
    if (!(dataScale > 0)) return;
    this.done = true;
    const ratio = dataScale / mixture;
    if (ratio > SCALE_RATIO || ratio < 1 / SCALE_RATIO) console.warn(describe(dataScale, mixture));
  }
}

const CHECKS = new WeakMap<object, ScaleCheck>();

/** The scale check of a layer or spec object (created on first use). */
export function scaleCheckOf(owner: object): ScaleCheck {
  let check = CHECKS.get(owner);
  if (!check) CHECKS.set(owner, (check = new ScaleCheck()));
  return check;
}
