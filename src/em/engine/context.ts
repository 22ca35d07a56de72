/**
 * What every EM pass needs besides the parameters: the prepared data, the covariance type's EM
 * behaviour and regCovar in the scaled space.
 */
import {gmmFlag} from '../../../ops/flags';
import {EmCovariance} from '../covariance/em_covariance';
import {EmData} from '../data';
import {ScaledState} from '../parameters';
import type {PassRequest, PassResult} from './pass';

/**
 * The passes of one E-step on the workers (../parallel): `run` blocks until they answer (Node,
 * `fit`), `runAsync` awaits them (`fitAsync`; the only way in browsers).
 */
export interface RemotePasses {
  run(request: PassRequest): PassResult;
  runAsync(request: PassRequest): Promise<PassResult>;
}

/** Where the passes of an E-step run instead of in-thread (the workers of ../parallel). */
export interface ParallelPassSource {
  /** The passes of the E-step under `state` (with `eStepExact` on the exact path). */
  runner(state: ScaledState, eStepExact: number[]): RemotePasses;
}

/** Everything an EM pass needs besides the parameters. */
export interface EmContext {
  /** Caller name used in messages. */
  fn: string;
  data: EmData;
  em: EmCovariance;
  /** regCovar in the scaled space (regCovar / s^2). */
  regCovar: number;
  /** regCovar as the user gave it, for messages. */
  userRegCovar: number;
  /** Whether the per-chunk features are cached for the whole fit (GMM_EM_FEATURE_CACHE_BYTES). */
  cacheFeatures: boolean;
  /** Runs the E-step passes elsewhere (worker threads), or null: in-thread. */
  parallel: ParallelPassSource | null;
}

/** Creates the context of a fit; the caller disposes `em` and `data`. */
export function createContext(fn: string, data: EmData, em: EmCovariance, regCovar: number): EmContext {
  const bytesPerRow = em.featureWidth * 4 * (em.transposedMoments ? 2 : 1);
  return {
    fn,
    data,
    em,
    regCovar: regCovar / (data.transform.scale * data.transform.scale),
    userRegCovar: regCovar,
    cacheFeatures: data.N * bytesPerRow <= gmmFlag('GMM_EM_FEATURE_CACHE_BYTES'),
    parallel: null,
  };
}

/**
 * The weighted mean log-likelihood in the data space from the sum in the scaled space:
 * densities transform with the Jacobian of x' = (x - c) / s, log p(x) = log p'(x') - D log s.
 */
export function meanLogLikelihood(ctx: EmContext, scaledSum: number): number {
  return scaledSum / ctx.data.totalWeight - ctx.data.D * Math.log(ctx.data.transform.scale);
}
