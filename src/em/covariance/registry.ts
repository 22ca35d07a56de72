/**
 * The EM covariance types, keyed by the same names as the ops' covariance registry.
 */
import {CovarianceTypeName} from '../../../ops/covariance/covariance_type';
import {getCovarianceType} from '../../../ops/covariance/types';
import {DiagEm} from './diag';
import {EmCovariance} from './em_covariance';
import {FullEm} from './full';
import {SphericalEm} from './spherical';
import {TiedEm} from './tied';

type EmCovarianceConstructor = new (K: number, D: number) => EmCovariance;

const EM_REGISTRY = new Map<CovarianceTypeName, EmCovarianceConstructor>([
  ['full', FullEm],
  ['tied', TiedEm],
  ['diag', DiagEm],
  ['spherical', SphericalEm],
]);

/**
 * The EM behaviour of `name` for K components and D features (validates the name like the ops
 * do). The caller owns the result: call `dispose()`.
 */
export function createEmCovariance(name: unknown, K: number, D: number, caller = 'createEmCovariance'): EmCovariance {
  const type = getCovarianceType(name, caller);
  const Ctor = EM_REGISTRY.get(type.name)!;
  return new Ctor(K, D);
}

/** Width of the feature basis of `name` at D features (see em_covariance.ts). */
export function basisWidth(name: CovarianceTypeName, D: number): number {
  const em = createEmCovariance(name, 1, D);
  const width = em.width;
  em.dispose();
  return width;
}
