/**
 * Shared kernels that are exact for every component, whatever the other components are.
 *
 * A shared kernel forms y = P_k^T (x - c) - P_k^T (mu_k - c) in float32 for one centre c. The
 * rounding error of each term is ~eps |P_k|^T |mu_k - c|, so a component far from c in its own
 * standard deviations (a narrow component far from the others) loses digits to cancellation.
 * Its conditioning against c is
 *
 *     m_k(c) = | |P_k|^T |mu_k - c| |_2      (|.| elementwise),
 *
 * and the error of |y|^2 that the shared centre adds is ~4 eps m_k |y| <= 2.9 eps m_k (|y|^2/2 + D) / sqrt(D):
 * with m_k <= GMM_KERNEL_EXACT_LIMIT (default 32) that is within ~90 eps (|log-prob| + D), the
 * same order as the unavoidable float32 error of the log-determinant and of the products with P.
 *
 * So the components are planned into groups on the host (the means and factors are small): the
 * components within the limit of the mean of all means form one group on that centre (the
 * common case: one group, one kernel call as before); every other component joins the first
 * group led by a component whose mean is within its limit, or leads a new group centred exactly
 * on its own mean, where x - mu_k is formed directly (the exact path). Each group runs the
 * kernel on its centre; the results are put back in component order.
 *
 * GMM_KERNEL_EXACT_LIMIT = Infinity keeps one group and reads nothing back (the old behaviour,
 * for backends where a read-back stalls); 0 puts every component on the exact path.
 */
import * as tf from '@tensorflow/tfjs-core';

import {gmmFlag} from '../flags';
import {Kernel, KernelForward, KernelGradients} from './kernel';

/** Components evaluated together, around one centre. */
export interface ComponentGroup {
  /** Component indices, ascending. */
  indices: number[];
  /** The centre [D] (float32 values), or null for the mean of the group's means. */
  center: Float32Array | null;
}

/** The canonical factor's layout (CovarianceType.canonicalLayout): triangular [K, D, D] or diagonal [K, D]. */
export type FactorLayout = 'triangular' | 'diagonal';

/** m_k(c): the magnitude bound of P_k^T (mu_k - c) (see the file comment). */
function conditioning(
  means: ArrayLike<number>,
  factor: ArrayLike<number>,
  layout: FactorLayout,
  k: number,
  center: ArrayLike<number>,
  D: number,
): number {
  let total = 0;
  for (let j = 0; j < D; j++) {
    let s = 0;
    if (layout === 'diagonal') s = Math.abs(factor[k * D + j] * (means[k * D + j] - center[j]));
    else
      for (let i = 0; i < D; i++) s += Math.abs(factor[(k * D + i) * D + j]) * Math.abs(means[k * D + i] - center[i]);
    total += s * s;
  }
  return Math.sqrt(total);
}

/**
 * Plans the groups of a shared mixture from its means [K, D] and canonical factors.
 * Components whose conditioning is not a number (non-finite parameters) stay in the first group,
 * where they give NaN as before.
 */
export function planComponentGroups(
  means: ArrayLike<number>,
  factor: ArrayLike<number>,
  layout: FactorLayout,
  K: number,
  D: number,
  limit: number,
): ComponentGroup[] {
  const all = Array.from({length: K}, (_, k) => k);
  if (limit === Infinity) return [{indices: all, center: null}];
  const ownMean = (k: number) => Float32Array.from({length: D}, (_, j) => means[k * D + j]);
  if (limit === 0) return all.map((k) => ({indices: [k], center: ownMean(k)}));

  const meanOfMeans = new Float32Array(D);
  for (let j = 0; j < D; j++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += means[k * D + j];
    meanOfMeans[j] = s / K;
  }
  const first: ComponentGroup = {indices: [], center: meanOfMeans};
  const led: ComponentGroup[] = [];
  for (let k = 0; k < K; k++) {
    if (!(conditioning(means, factor, layout, k, meanOfMeans, D) > limit)) {
      first.indices.push(k);
      continue;
    }
    const host = led.find((g) => conditioning(means, factor, layout, k, g.center!, D) <= limit);
    if (host) host.indices.push(k);
    else led.push({indices: [k], center: ownMean(k)});
  }
  const groups = first.indices.length ? [first, ...led] : led;
  // One group of every component: the kernel's own centre (the mean of the means) is the same point.
  if (groups.length === 1 && groups[0] === first) first.center = null;
  return groups;
}

/** The groups for the current flag, reading the (small) means and factors back when needed. */
export function componentGroups(means: tf.Tensor, factor: tf.Tensor, layout: FactorLayout): ComponentGroup[] {
  const [K, D] = means.shape;
  const limit = gmmFlag('GMM_KERNEL_EXACT_LIMIT');
  const needsValues = limit !== Infinity && limit !== 0;
  const meanValues = needsValues || limit === 0 ? (means.dataSync() as Float32Array) : new Float32Array(0);
  const factorValues = needsValues ? (factor.dataSync() as Float32Array) : new Float32Array(0);
  return planComponentGroups(meanValues, factorValues, layout, K, D, limit);
}

/**
 * The conditioning limit of a kernel whose error grows quadratically (~eps m^2 against the
 * bound's eps D): the m at which it matches the linear kernel's excess at `limit`,
 * m^2 / D = 2.9 m_lin / sqrt(D), i.e. sqrt(3 limit sqrt(D)) (~19 at the default limit, D = 16).
 */
export function quadraticLimit(limit: number, D: number): number {
  return Math.sqrt(3 * limit * Math.sqrt(D));
}

/**
 * The shared kernel for these parameters: a quadratic (feature-basis) kernel when every component
 * fits one group within its limit, else its fallback: as it is when it forms differences first
 * (`cancellation: 'none'`), over the planned groups when it is linear.
 */
export function planSharedKernel(kernel: Kernel, means: tf.Tensor, factor: tf.Tensor, layout: FactorLayout): Kernel {
  const [K, D] = means.shape;
  const limit = gmmFlag('GMM_KERNEL_EXACT_LIMIT');
  if (kernel.cancellation === 'none') return kernel;
  if (kernel.cancellation === 'quadratic' && kernel.fallback) {
    if (limit === Infinity) return kernel;
    const fallback = kernel.fallback;
    if (limit > 0) {
      const means32 = means.dataSync() as Float32Array;
      const factor32 = factor.dataSync() as Float32Array;
      const groups = planComponentGroups(means32, factor32, layout, K, D, quadraticLimit(limit, D));
      if (groups.length === 1) return groupedKernel(kernel, groups);
      if (fallback.cancellation === 'none') return fallback;
      return groupedKernel(fallback, planComponentGroups(means32, factor32, layout, K, D, limit));
    }
    if (fallback.cancellation === 'none') return fallback;
    kernel = fallback;
  }
  return groupedKernel(kernel, componentGroups(means, factor, layout));
}

/**
 * A shared kernel run once per group. With one group of every component it is the kernel itself;
 * otherwise its outputs are gathered back into component order.
 */
export function groupedKernel(inner: Kernel, groups: ComponentGroup[]): Kernel {
  const K = groups.reduce((s, g) => s + g.indices.length, 0);
  const single = groups.length === 1;
  // order[k] = position of component k in the concatenation of the groups.
  const concatenated = groups.flatMap((g) => g.indices);
  const order = new Int32Array(K);
  concatenated.forEach((k, position) => (order[k] = position));
  const savedCounts: number[] = [];

  const indexTensor = (g: ComponentGroup) => tf.tensor1d(g.indices, 'int32');
  const centerTensor = (g: ComponentGroup, D: number) => (g.center ? tf.tensor2d(g.center, [1, D]) : undefined);
  const restoreOrder = (parts: tf.Tensor[], axis: number) =>
    tf.gather(tf.concat(parts, axis), tf.tensor1d(order, 'int32'), axis);

  return {
    forward(x: tf.Tensor2D, means: tf.Tensor, factor: tf.Tensor): KernelForward {
      const D = x.shape[1];
      if (single) {
        const result = inner.forward(x, means, factor, centerTensor(groups[0], D));
        savedCounts.push(result.saved.length);
        return result;
      }
      const results = groups.map((g) => {
        const indices = indexTensor(g);
        return inner.forward(x, tf.gather(means, indices), tf.gather(factor, indices), centerTensor(g, D));
      });
      for (const r of results) savedCounts.push(r.saved.length);
      return {
        squaredNorms: restoreOrder(
          results.map((r) => r.squaredNorms),
          1,
        ),
        saved: results.flatMap((r) => r.saved),
      };
    },

    gradients(g: tf.Tensor2D, saved: readonly tf.Tensor[]): KernelGradients {
      if (single) return inner.gradients(g, saved);
      let offset = 0;
      const parts = groups.map((group, i) => {
        const groupSaved = saved.slice(offset, offset + savedCounts[i]);
        offset += savedCounts[i];
        return inner.gradients(tf.gather(g, indexTensor(group), 1) as tf.Tensor2D, groupSaved);
      });
      return {
        dx: () => tf.addN(parts.map((p) => p.dx())),
        dMeans: () =>
          restoreOrder(
            parts.map((p) => p.dMeans()),
            0,
          ),
        cross: () =>
          restoreOrder(
            parts.map((p) => p.cross()),
            0,
          ),
        gSum: () =>
          restoreOrder(
            parts.map((p) => p.gSum()),
            0,
          ),
      };
    },
  };
}
