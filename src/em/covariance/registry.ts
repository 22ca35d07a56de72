/**
 * The EM covariance types, keyed by the same names as the ops' covariance registry; the `Record`
 * type makes the compiler check that every covariance type has its EM class.
 */
import {CovarianceTypeName} from '../../../ops/covariance/covariance_type';
import {getCovarianceType} from '../../../ops/covariance/registry';
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
  return new EM_REGISTRY[getCovarianceType(name, caller).name](K, D);
}

/** Width of the feature basis of `name` at D features (see em_covariance.ts). */
export function basisWidth(name: CovarianceTypeName, D: number): number {
  return EM_REGISTRY[name].basisWidth(D);
}
