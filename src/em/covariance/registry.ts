/**
 * The EM covariance types, keyed by the same names as the ops' covariance registry; the `Record`
 * type makes the compiler check that every covariance type has its EM class.
 */
import {CovarianceTypeName} from '../../../ops/covariance/covariance_type';
import {getCovarianceType} from '../../../ops/covariance/registry';
import {assertAllocatable} from '../../../ops/util/allocation';
import {fail} from '../../../ops/util/args';
import {ConstantEm} from './constant';
import {DiagEm} from './diag';
import {EmCovariance} from './em_covariance';
import {FullEm} from './full';
import {SharedIsotropicEm} from './shared_isotropic';
import {SphericalEm} from './spherical';
import {TiedEm} from './tied';

/**
 * An EM class: constructed for K components and D features, with its moments' width (and, when
 * narrower, its feature basis' width) as a function of D.
 */
interface EmCovarianceClass {
  new (K: number, D: number): EmCovariance;
  basisWidth(D: number): number;
  featureWidth?(D: number): number;
}

/**
 * The covariance types EM estimates from the data. `constant` is not one: its variance is given,
 * not estimated; `emStep` and `emFit` fit it with the variance of their params (weights and
 * means only, see constant.ts).
 */
export type EmCovarianceTypeName = Exclude<CovarianceTypeName, 'constant'>;

const EM_REGISTRY: Record<EmCovarianceTypeName, EmCovarianceClass> = {
  full: FullEm,
  tied: TiedEm,
  diag: DiagEm,
  spherical: SphericalEm,
  shared_isotropic: SharedIsotropicEm,
};

/** The covariance types EM estimates, in registration order (`constant` has its own class, below). */
export const EM_COVARIANCE_TYPES = Object.keys(EM_REGISTRY) as readonly EmCovarianceTypeName[];

/** Fails unless EM fits `name` (a valid covariance type). */
export function assertEmCovarianceType(fn: string, name: CovarianceTypeName): asserts name is EmCovarianceTypeName {
  if (!(name in EM_REGISTRY))
    fail(
      fn,
      `covarianceType '${name}' has a fixed variance that EM does not estimate; EM fits ${EM_COVARIANCE_TYPES.map((t) => `'${t}'`).join(', ')} (fit 'constant' with emStep/emFit, whose params carry the variance, or train a GMMLayer)`,
    );
}

/**
 * The EM behaviour of `name` for K components and D features (validates the name like the ops
 * do); `constant` needs its fixed `variance` (data units). The caller owns the result: call
 * `dispose()`.
 */
export function createEmCovariance(
  name: unknown,
  K: number,
  D: number,
  caller = 'createEmCovariance',
  variance?: number,
): EmCovariance {
  const type = getCovarianceType(name, caller).name;
  if (type === 'constant' && variance !== undefined) {
    assertAllocatable(caller, 'the EM feature basis of one row', [1, ConstantEm.basisWidth(D)]);
    return new ConstantEm(K, D, variance);
  }
  assertEmCovarianceType(caller, type);
  // Refused before anything is allocated: the parameters, and the feature basis of one row.
  assertAllocatable(caller, 'the covariances', getCovarianceType(type, caller).parameterShape(K, D));
  assertAllocatable(caller, 'the EM feature basis of one row', [1, featureWidth(type, D)]);
  return new EM_REGISTRY[type](K, D);
}

/** Width of the moments of `name` at D features (the statistics' `basisWidth`, see em_covariance.ts). */
export function basisWidth(name: CovarianceTypeName, D: number): number {
  if (name === 'constant') return ConstantEm.basisWidth(D);
  assertEmCovarianceType('basisWidth', name);
  return EM_REGISTRY[name].basisWidth(D);
}

/**
 * Width of the feature basis Z of `name` at D features: what a chunk of rows costs in memory
 * (the moments' width {@link basisWidth} unless the type unpacks a narrower basis).
 */
export function featureWidth(name: CovarianceTypeName, D: number): number {
  if (name === 'constant') return ConstantEm.basisWidth(D);
  assertEmCovarianceType('featureWidth', name);
  const type = EM_REGISTRY[name];
  return type.featureWidth ? type.featureWidth(D) : type.basisWidth(D);
}
