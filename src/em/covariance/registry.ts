/**
 * The EM covariance types, keyed by the same names as the ops' covariance registry; the `Record`
 * type makes the compiler check that every covariance type has its EM class.
 */
import {CovarianceTypeName} from '../../../ops/covariance/covariance_type';
import {getCovarianceType} from '../../../ops/covariance/registry';
import {assertAllocatable} from '../../../ops/util/allocation';
import {DiagEm} from './diag';
import {EmCovariance} from './em_covariance';
import {FullEm} from './full';
import {SphericalEm} from './spherical';
import {TiedEm} from './tied';

/** An EM class: constructed for K components and D features, with its basis width as a function of D. */
interface EmCovarianceClass {
  new (K: number, D: number): EmCovariance;
  basisWidth(D: number): number;
}

const EM_REGISTRY: Record<CovarianceTypeName, EmCovarianceClass> = {
  full: FullEm,
  tied: TiedEm,
  diag: DiagEm,
  spherical: SphericalEm,
};

/**
 * The EM behaviour of `name` for K components and D features (validates the name like the ops
 * do). The caller owns the result: call `dispose()`.
 */
export function createEmCovariance(name: unknown, K: number, D: number, caller = 'createEmCovariance'): EmCovariance {
  const type = getCovarianceType(name, caller);
  // Refused before anything is allocated: the parameters, and the feature basis of one row.
  assertAllocatable(caller, 'the covariances', type.parameterShape(K, D));
  assertAllocatable(caller, 'the EM feature basis of one row', [1, EM_REGISTRY[type.name].basisWidth(D)]);
  return new EM_REGISTRY[type.name](K, D);
}

/** Width of the feature basis of `name` at D features (see em_covariance.ts). */
export function basisWidth(name: CovarianceTypeName, D: number): number {
  return EM_REGISTRY[name].basisWidth(D);
}
