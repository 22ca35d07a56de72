/**
 * The EM covariance types, keyed by the same names as the ops' covariance registry; the `Record`
 * type makes the compiler check that every covariance type has its EM class.
 */
import {CovarianceTypeName} from '../../../ops/covariance/covariance_type';
import {getCovarianceType} from '../../../ops/covariance/registry';
import {assertAllocatable} from '../../../ops/util/allocation';
import {fail} from '../../../ops/util/args';
import {DiagEm} from './diag';
import {EmCovariance} from './em_covariance';
import {FullEm} from './full';
import {SharedIsotropicEm} from './shared_isotropic';
import {SphericalEm} from './spherical';
import {TiedEm} from './tied';

/** An EM class: constructed for K components and D features, with its basis width as a function of D. */
interface EmCovarianceClass {
  new (K: number, D: number): EmCovariance;
  basisWidth(D: number): number;
}

/**
 * The covariance types EM fits. `constant` is not one: its variance is given, not estimated, and
 * the estimator's options (scikit-learn's) have no place for it; fit it with `GMMLayer`.
 */
export type EmCovarianceTypeName = Exclude<CovarianceTypeName, 'constant'>;

const EM_REGISTRY: Record<EmCovarianceTypeName, EmCovarianceClass> = {
  full: FullEm,
  tied: TiedEm,
  diag: DiagEm,
  spherical: SphericalEm,
  shared_isotropic: SharedIsotropicEm,
};

/** The covariance types EM fits, in registration order. */
export const EM_COVARIANCE_TYPES = Object.keys(EM_REGISTRY) as readonly EmCovarianceTypeName[];

/** Fails unless EM fits `name` (a valid covariance type). */
export function assertEmCovarianceType(fn: string, name: CovarianceTypeName): asserts name is EmCovarianceTypeName {
  if (!(name in EM_REGISTRY))
    fail(
      fn,
      `covarianceType '${name}' has a fixed variance that EM does not estimate; EM fits ${EM_COVARIANCE_TYPES.map((t) => `'${t}'`).join(', ')} (train a GMMLayer with covarianceType 'constant' instead)`,
    );
}

/**
 * The EM behaviour of `name` for K components and D features (validates the name like the ops
 * do). The caller owns the result: call `dispose()`.
 */
export function createEmCovariance(name: unknown, K: number, D: number, caller = 'createEmCovariance'): EmCovariance {
  const type = getCovarianceType(name, caller).name;
  assertEmCovarianceType(caller, type);
  // Refused before anything is allocated: the parameters, and the feature basis of one row.
  assertAllocatable(caller, 'the covariances', getCovarianceType(type, caller).parameterShape(K, D));
  assertAllocatable(caller, 'the EM feature basis of one row', [1, EM_REGISTRY[type].basisWidth(D)]);
  return new EM_REGISTRY[type](K, D);
}

/** Width of the feature basis of `name` at D features (see em_covariance.ts). */
export function basisWidth(name: CovarianceTypeName, D: number): number {
  assertEmCovarianceType('basisWidth', name);
  return EM_REGISTRY[name].basisWidth(D);
}
