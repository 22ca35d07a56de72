/**
 * The covariance types by name. Adding a type means one class and one line here (see
 * docs/DEVELOPING.md, "Adding a covariance type"); the `Record` type makes the compiler check
 * that every name has a class.
 */
import {assertOneOf} from '../util/args';
import {ConstantCovariance} from './constant';
import {CovarianceType, CovarianceTypeName, SklearnCovarianceTypeName} from './covariance_type';
import {DiagCovariance} from './diag';
import {FullCovariance} from './full';
import {SharedIsotropicCovariance} from './shared_isotropic';
import {SphericalCovariance} from './spherical';
import {TiedCovariance} from './tied';

const REGISTRY: Record<CovarianceTypeName, CovarianceType> = {
  full: new FullCovariance(),
  tied: new TiedCovariance(),
  diag: new DiagCovariance(),
  spherical: new SphericalCovariance(),
  shared_isotropic: new SharedIsotropicCovariance(),
  constant: new ConstantCovariance(),
};

/** Names of the covariance types, in registration order. */
export const COVARIANCE_TYPES = Object.keys(REGISTRY) as readonly CovarianceTypeName[];

/** scikit-learn's four covariance types (its estimator and JSON interchange know only these). */
export const SKLEARN_COVARIANCE_TYPES: readonly SklearnCovarianceTypeName[] = ['full', 'tied', 'diag', 'spherical'];

/**
 * Looks up a covariance type by name, failing with a message that lists the valid names.
 *
 * @param name one of {@link COVARIANCE_TYPES}.
 * @param caller function name used as the error prefix.
 * @param argName argument name used in the message.
 */
export function getCovarianceType(
  name: unknown,
  caller = 'getCovarianceType',
  argName = 'covarianceType',
): CovarianceType {
  assertOneOf(caller, argName, name, COVARIANCE_TYPES);
  return REGISTRY[name];
}
