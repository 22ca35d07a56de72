/**
 * Value checks of a GMM op's parameters (see value_checks.ts for when they run): NaN weights or
 * means, negative weights and non-positive variances make the log-probabilities NaN, or on some
 * backends silently wrong, instead of an error.
 */
import {TriangularCovariance} from '../covariance/triangular';
import {TensorInput} from '../util/args';
import {MixtureArgs, MixtureArgNames} from './mixture_args';
import {Parameterisation} from './mixture_log_prob_op';
import {assertEach, valuesToCheck} from './value_checks';

/** The arguments as the user gave them (before conversion). */
export interface GivenMixtureArgs {
  weights: TensorInput;
  means: TensorInput;
  covariance: TensorInput;
}

const finite = (v: number) => Number.isFinite(v);

/** Checks the values of weights, means and the covariance parameter of a GMM op. */
export function checkMixtureValues(
  fn: string,
  names: MixtureArgNames,
  args: MixtureArgs,
  given: GivenMixtureArgs,
  parameterisation: Parameterisation,
): void {
  const natural = parameterisation === 'natural';
  const weights = valuesToCheck(given.weights, args.weights);
  if (weights !== null) {
    if (natural) {
      assertEach(
        fn,
        names.weights,
        weights,
        args.weights.shape,
        'be finite and non-negative',
        (w) => finite(w) && w >= 0,
      );
    } else {
      // -Infinity is a zero weight; +Infinity and NaN have no log-softmax.
      assertEach(fn, names.weights, weights, args.weights.shape, 'be finite or -Infinity', (w) => w < Infinity);
    }
  }
  const means = valuesToCheck(given.means, args.means);
  if (means !== null) assertEach(fn, 'means', means, args.means.shape, 'be finite', finite);
  const covariance = valuesToCheck(given.covariance, args.covariance);
  if (covariance !== null) {
    const {shape} = args.covariance;
    assertEach(fn, names.covariance, covariance, shape, 'be finite', finite);
    const onDiagonal = (i: number) => args.type.isDiagonalEntry(i, args.D);
    const triangular = args.type instanceof TriangularCovariance;
    if (natural) {
      const requirement = triangular ? 'have a positive diagonal (variances)' : 'be positive (variances)';
      assertEach(fn, names.covariance, covariance, shape, requirement, (v) => v > 0, onDiagonal);
    } else {
      const requirement = triangular ? 'have a non-zero diagonal' : 'be non-zero';
      assertEach(fn, names.covariance, covariance, shape, requirement, (v) => v !== 0, onDiagonal);
    }
  }
}
