/**
 * Covariance types (scikit-learn's `covariance_type`), one class each behind a registry.
 *
 * Every type maps its own parameter shape onto one of two canonical forms that the kernels
 * understand, and maps canonical gradients back:
 * - `triangular`: a factor per component, [..., K, D, D] (full, tied);
 * - `diagonal`: a diagonal per component, [..., K, D] (diag, spherical).
 * The leading `...` is empty for a shared mixture and [N] for one mixture per sample.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The four covariance types of scikit-learn. */
export type CovarianceTypeName = 'full' | 'tied' | 'diag' | 'spherical';

/** Canonical form a covariance type reduces to. */
export type KernelForm = 'triangular' | 'diagonal';

/** Behaviour of one covariance type. */
export abstract class CovarianceType {
  /** scikit-learn's name of the type. */
  abstract readonly name: CovarianceTypeName;
  /** Canonical form used by the kernels. */
  abstract readonly form: KernelForm;
  /** Symbolic shape of one mixture's covariance parameter, e.g. `['K', 'D', 'D']`. */
  abstract readonly symbolicShape: readonly string[];

  /** Shape of one mixture's covariance (or precision Cholesky) parameter. */
  abstract parameterShape(nComponents: number, nFeatures: number): number[];

  /** Number of free covariance parameters, as counted by scikit-learn for BIC/AIC. */
  abstract nParameters(nComponents: number, nFeatures: number): number;

  /** Identity covariances (gmmInitSpec) in this type's shape. */
  abstract identity(nComponents: number, nFeatures: number): tf.Tensor;

  /**
   * Broadcasts a parameter of shape [...lead, ...parameterShape] to the canonical form
   * [...lead, K, D, D] or [...lead, K, D].
   */
  abstract toCanonical(parameter: tf.Tensor, nComponents: number, nFeatures: number): tf.Tensor;

  /** Sums a canonical gradient back onto the parameter's shape (adjoint of {@link toCanonical}). */
  abstract fromCanonical(gradient: tf.Tensor): tf.Tensor;

  /**
   * Precision Cholesky factor from covariances, both in this type's shape (with optional
   * leading batch axes). Full and tied give upper-triangular P with Sigma^-1 = P P^T; diag and
   * spherical give 1/sqrt(variance).
   */
  abstract precisionCholeskyFromCovariance(covariances: tf.Tensor, options: {validate?: boolean; caller: string}): tf.Tensor;

  /** Inverse of {@link precisionCholeskyFromCovariance}. */
  abstract covarianceFromPrecisionCholesky(precisionsCholesky: tf.Tensor): tf.Tensor;

  /** Shape of the parameter with `lead` leading batch axes. */
  shapeWithLead(lead: number[], nComponents: number, nFeatures: number): number[] {
    return [...lead, ...this.parameterShape(nComponents, nFeatures)];
  }
}
