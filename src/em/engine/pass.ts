/**
 * One pass over the chunks of the data: per chunk, the responsibilities (from an E-step or an
 * initialisation), and from them the M-step moments Z^T R, the exact scatter of selected
 * components and the log-likelihood sum. Only [width, K]-sized sums cross chunk boundaries, so
 * memory is bounded by the chunk size, never by N.
 */
import * as tf from '@tensorflow/tfjs-core';

import {tidyNullable} from '../../../ops/util/tidy';
import {ChunkFeatures} from '../data';
import {readMeans, toFloat32Pair} from '../parameters';
import {EmContext} from './context';

/**
 * The responsibilities of one chunk, [B, K] (`resp`) or transposed, [K, B] (`respT`: what the
 * moments R^T Z of a narrow basis take), and, in an E-step, its log-likelihoods [B, 1].
 */
export type Responsibilities =
  | {resp: tf.Tensor2D; respT?: undefined; logLikelihood: tf.Tensor2D | null}
  | {resp?: undefined; respT: tf.Tensor2D; logLikelihood: tf.Tensor2D | null};

/** Responsibilities (and, in an E-step, log-likelihoods) of one chunk. */
export type ChunkResponsibilities = (index: number, z: tf.Tensor2D) => Responsibilities;

/** Components with an exact scatter, and the shifts [Kf, D] it is taken around. */
export interface ExactPlan {
  indices: number[];
  indexTensor: tf.Tensor1D;
  shifts: tf.Tensor2D;
  /** What float32 rounding took off the shifts (see `ScaledState.meansLow`), or null. */
  shiftsLow: tf.Tensor2D | null;
}

/** What a pass computes. */
export interface PassRequest {
  /** The moments Z^T R. */
  moments: boolean;
  /** The exact scatter of these components, or null. */
  exact: ExactPlan | null;
  /** The sum of w * log-likelihood (needs an E-step's responsibilities). */
  logLikelihood: boolean;
}

/** What a pass computed (null where not requested); the caller owns the tensors. */
export interface PassResult {
  /** [K, width]. */
  moments: tf.Tensor2D | null;
  /** Exact scatter of the planned components ([Kf, D, D] or [Kf, D]). */
  exactScatter: tf.Tensor | null;
  /** Scalar sum of w * log-likelihood. */
  logLikelihoodSum: tf.Tensor | null;
}

/**
 * An exact plan for `indices` around the rows `indices` of `centers` (+ `centersLow`, their
 * rounding residuals); the caller disposes it.
 */
export function makeExactPlan(indices: number[], centers: tf.Tensor2D, centersLow?: tf.Tensor2D | null): ExactPlan {
  const indexTensor = tf.tensor1d(indices, 'int32');
  return {
    indices,
    indexTensor,
    shifts: tf.gather(centers, indexTensor) as tf.Tensor2D,
    shiftsLow: centersLow ? (tf.gather(centersLow, indexTensor) as tf.Tensor2D) : null,
  };
}

/** An exact plan for `indices` around `centers` [Kf * D] (float64, row-major, one row per index). */
export function exactPlanFromValues(indices: number[], centers: ArrayLike<number>, D: number): ExactPlan {
  const {high, low} = toFloat32Pair(centers, indices.length, D);
  return {indices, indexTensor: tf.tensor1d(indices, 'int32'), shifts: high, shiftsLow: low};
}

/** The shifts of a plan in float64 (shifts + shiftsLow), row-major [Kf * D]. */
export function readShifts(plan: ExactPlan): Float64Array {
  return readMeans({means: plan.shifts, meansLow: plan.shiftsLow});
}

/** Releases a plan's tensors. */
export function disposePlan(plan: ExactPlan | null): void {
  if (plan)
    tf.dispose(plan.shiftsLow ? [plan.indexTensor, plan.shifts, plan.shiftsLow] : [plan.indexTensor, plan.shifts]);
}

/** Releases a pass result's tensors. */
export function disposePass(pass: PassResult | null): void {
  if (pass)
    tf.dispose([pass.moments, pass.exactScatter, pass.logLikelihoodSum].filter((t): t is tf.Tensor => t !== null));
}

function chunkFeatures(ctx: EmContext, index: number): ChunkFeatures {
  const {em} = ctx;
  return ctx.data.features(em.name, index, ctx.cacheFeatures, (chunk) => {
    const z = em.features(chunk.x);
    return {z, zT: em.transposedMoments && ctx.cacheFeatures ? (tf.transpose(z) as tf.Tensor2D) : null};
  });
}

/** total + value, disposing both; null stands for nothing yet. */
export function accumulate(total: tf.Tensor | null, value: tf.Tensor | null): tf.Tensor | null {
  if (value === null) return total;
  if (total === null) return value;
  const sum = tf.add(total, value);
  tf.dispose([total, value]);
  return sum;
}

/** One pass over the chunks, computing what `request` asks for. */
export function runPass(ctx: EmContext, responsibilities: ChunkResponsibilities, request: PassRequest): PassResult {
  const {data, em} = ctx;
  const {exact} = request;
  let moments: tf.Tensor | null = null;
  let scatter: tf.Tensor | null = null;
  let logLikelihood: tf.Tensor | null = null;
  try {
    for (let i = 0; i < data.chunks.length; i++) {
      const chunk = data.chunks[i];
      const [m, s, l] = tidyNullable(() => {
        const f = chunkFeatures(ctx, i);
        const r = responsibilities(i, f.z);
        const ll = r.logLikelihood;
        // The weighted responsibilities in the layout they came in: [K, B] (respT) or [B, K].
        const weighted = r.respT
          ? chunk.weightRow
            ? (tf.mul(r.respT, chunk.weightRow) as tf.Tensor2D)
            : r.respT
          : chunk.weightColumn
            ? (tf.mul(r.resp, chunk.weightColumn) as tf.Tensor2D)
            : r.resp;
        const inRows = () => (r.respT ? (tf.transpose(weighted) as tf.Tensor2D) : weighted);
        const inColumns = () => (r.respT ? weighted : (tf.transpose(weighted) as tf.Tensor2D));
        let chunkMoments: tf.Tensor | null = null;
        if (request.moments) {
          // [K, featureWidth]. Wide bases: Z^T R, the fresh R as the small right operand (XNNPACK
          // packs a new right operand, ~10 ns per element: a fresh Z there costs more than its
          // transpose). Narrow bases: R^T Z, the cached Z on the right.
          chunkMoments = em.transposedMoments
            ? tf.transpose(tf.matMul(f.zT ?? tf.transpose(f.z), inRows()))
            : tf.matMul(inColumns(), f.z);
        }
        const chunkScatter = exact
          ? em.scatter.exactChunk(
              chunk,
              r.respT
                ? (tf.transpose(tf.gather(weighted, exact.indexTensor, 0)) as tf.Tensor2D)
                : (tf.gather(weighted, exact.indexTensor, 1) as tf.Tensor2D),
              exact,
            )
          : null;
        const chunkLogLikelihood =
          ll && request.logLikelihood ? (chunk.weightRow ? tf.matMul(chunk.weightRow, ll) : tf.sum(ll)) : null;
        return [chunkMoments, chunkScatter, chunkLogLikelihood];
      });
      moments = accumulate(moments, m);
      scatter = accumulate(scatter, s);
      logLikelihood = accumulate(logLikelihood, l);
    }
  } catch (e) {
    tf.dispose([moments, scatter, logLikelihood].filter((t): t is tf.Tensor => t !== null));
    throw e;
  }
  if (moments) {
    const expanded = tf.tidy(() => em.expandMoments(moments as tf.Tensor2D));
    if (expanded !== moments) moments.dispose();
    moments = expanded;
  }
  return {moments: moments as tf.Tensor2D | null, exactScatter: scatter, logLikelihoodSum: logLikelihood};
}
