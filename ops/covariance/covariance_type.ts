/**
 * Covariance types (scikit-learn's `covariance_type`), one class each behind a registry
 * (`registry.ts`). Everything that differs between the types is a method here, so that the ops,
 * the layers, EM and the CLI never branch on a type's name.
 *
 * Every type maps its own parameter shape onto one of two canonical forms that the kernels
 * understand, and maps canonical gradients back:
 * - triangular: a factor per component, [..., K, D, D] (full, tied; `triangular.ts`);
 * - diagonal: a diagonal per component, [..., K, D] (diag, spherical; `diagonal.ts`).
 * The leading `...` is empty for a shared mixture and [N] for one mixture per sample.
 *
 * The precision Cholesky factor P (scikit-learn's `precisions_cholesky_`) has the type's shape:
 * upper-triangular with Sigma^-1 = P P^T for full and tied, 1 / sqrt(variance) for diag and
 * spherical.
 */
import * as tf from '@tensorflow/tfjs-core';

import {Kernel} from '../kernels/kernel';

/**
 * The covariance types: scikit-learn's four, and the PyTorch GMM reference's `shared_isotropic`
 * (one variance for all components) and `constant` (a fixed variance, not learned).
 */
export type CovarianceTypeName = 'full' | 'tied' | 'diag' | 'spherical' | 'shared_isotropic' | 'constant';

/** scikit-learn's covariance types (the ones its `GaussianMixture` and JSON interchange know). */
export type SklearnCovarianceTypeName = 'full' | 'tied' | 'diag' | 'spherical';

/** Options of the conversions that can validate their input. */
export interface ConversionOptions {
  /** Read the values back and throw a descriptive error when they are not valid (synchronises). */
  validate?: boolean;
  /** Public function named in messages. */
  caller: string;
  /** Argument named in messages. */
  argName?: string;
}

/** Behaviour of one covariance type. */
export abstract class CovarianceType {
  /** scikit-learn's name of the type. */
  abstract readonly name: CovarianceTypeName;
  /** The canonical form of the factor: triangular [..., K, D, D] or diagonal [..., K, D]. */
  abstract readonly canonicalLayout: 'triangular' | 'diagonal';
  /** Symbolic shape of one mixture's covariance parameter, e.g. `['K', 'D', 'D']`. */
  abstract readonly symbolicShape: readonly string[];
  /** Whether the covariances are learned (false for `constant`: a fixed, user-given variance). */
  readonly learnsCovariance: boolean = true;

  /** Shape of one mixture's covariance (or precision Cholesky) parameter. */
  abstract parameterShape(nComponents: number, nFeatures: number): number[];

  /** Number of free covariance parameters, as counted by scikit-learn for BIC/AIC. */
  abstract nParameters(nComponents: number, nFeatures: number): number;

  /** Identity covariances in this type's shape. */
  abstract identity(nComponents: number, nFeatures: number): tf.Tensor;

  /**
   * Broadcasts a parameter of shape [...lead, ...parameterShape] to the canonical form
   * [...lead, K, D, D] or [...lead, K, D].
   */
  abstract toCanonical(parameter: tf.Tensor, nComponents: number, nFeatures: number): tf.Tensor;

  /** Sums a canonical gradient back onto the parameter's shape (adjoint of {@link toCanonical}). */
  abstract fromCanonical(gradient: tf.Tensor): tf.Tensor;

  /** Covariances in this type's shape as [K, D, D] matrices (for reports and plots). */
  abstract toDense(covariances: tf.Tensor, nComponents: number, nFeatures: number): tf.Tensor3D;

  /**
   * Covariances in this type's shape from dense matrices [..., K, D, D] that have the type's
   * structure (the inverse of {@link toDense}, with leading axes kept): the conditional
   * covariances of `gmmCondition` keep the type of the joint ones.
   */
  abstract fromDense(dense: tf.Tensor): tf.Tensor;

  // ---- conversions (type shape, optional leading batch axes) --------------------------------

  /** Precision Cholesky factors from covariances. */
  abstract precisionCholeskyFromCovariance(covariances: tf.Tensor, options: ConversionOptions): tf.Tensor;

  /** Covariances from precision Cholesky factors (inverse of {@link precisionCholeskyFromCovariance}). */
  abstract covarianceFromPrecisionCholesky(precisionsCholesky: tf.Tensor): tf.Tensor;

  /**
   * Precision Cholesky factors from precisions (inverse covariances), as scikit-learn's
   * `_compute_precision_cholesky_from_precisions`.
   */
  abstract precisionCholeskyFromPrecision(precisions: tf.Tensor, options: ConversionOptions): tf.Tensor;

  /** Precisions (inverse covariances) from precision Cholesky factors: P P^T, or p^2. */
  abstract precisionFromPrecisionCholesky(precisionsCholesky: tf.Tensor): tf.Tensor;

  /** The diagonal of a precision Cholesky factor (type shape or canonical form). */
  abstract factorDiagonal(factor: tf.Tensor): tf.Tensor;

  // ---- validation (reads values back) ---------------------------------------------------

  /**
   * scikit-learn's checks of user-given precisions (`precisions_init`): finite, and symmetric
   * (full, tied) or positive (diag, spherical). Positive definiteness is checked when they are
   * factored.
   */
  abstract checkPrecisions(fn: string, argName: string, precisions: tf.Tensor): void;

  /** Precision Cholesky factors must be finite with a positive diagonal. */
  abstract checkPrecisionCholesky(fn: string, argName: string, factor: tf.Tensor): void;

  // ---- kernels and gradients (canonical form) -------------------------------------------

  /** The squared-Mahalanobis kernel for shared ([K, ...]) or per-sample ([N, K, ...]) parameters. */
  abstract kernel(perSample: boolean): Kernel;

  /**
   * Gradient w.r.t. the canonical precision factor, from the kernel's cross moment and the
   * upstream gradient summed per component (includes the log-determinant term).
   */
  abstract factorGradient(factor: tf.Tensor, cross: tf.Tensor, gSum: tf.Tensor): tf.Tensor;

  /** Gradient w.r.t. the canonical covariance (symmetric for matrices), from the same quantities. */
  abstract covarianceGradient(factor: tf.Tensor, cross: tf.Tensor, gSum: tf.Tensor): tf.Tensor;

  /**
   * The spread S of canonical factors ([..., K, D, D] or [..., K, D], same shape): the matrix P^-1
   * (upper triangular), or 1 / p, so that a standard normal row z gives z S with covariance
   * S^T S = P^-T P^-1 = Sigma.
   */
  abstract spreadFactors(canonicalFactors: tf.Tensor): tf.Tensor;

  /**
   * Standard normal rows z [M, D] spread by one spread per row ([M, D, D] or [M, D], from
   * {@link spreadFactors}): z_m S_m, rows with covariance Sigma.
   */
  abstract spreadRows(z: tf.Tensor2D, rowSpreads: tf.Tensor): tf.Tensor2D;

  /**
   * Differences d [n, D] from one component's mean mapped to y = P^T d (as rows, d P; or d * p),
   * whose squared norm is the squared Mahalanobis distance.
   */
  abstract whiten(d: tf.Tensor2D, componentFactor: tf.Tensor): tf.Tensor2D;

  /** Component f's factor ([D, D] or [D]) out of canonical factors [Kf, D, D] or [Kf, D]. */
  abstract componentFactor(canonicalFactors: tf.Tensor, f: number): tf.Tensor;

  // ---- unconstrained parameterisation (GMMLayer) ------------------------------------------

  /** Shape of the factor's diagonal in this type's layout: [K, D], [D], [K, D] or [K]. */
  abstract factorDiagonalShape(nComponents: number, nFeatures: number): number[];

  /**
   * Shape of the strictly upper part of the factor (full [K, D, D], tied [D, D]), or null when
   * the factor is diagonal.
   */
  abstract offDiagonalShape(nComponents: number, nFeatures: number): number[] | null;

  /** A factor in this type's shape from its diagonal and (full, tied) its strictly upper part. */
  abstract assembleFactor(diagonal: tf.Tensor, offDiagonal: tf.Tensor | null): tf.Tensor;

  /** The strictly upper part of a factor (full, tied), or null for diagonal factors. */
  abstract offDiagonalPart(factor: tf.Tensor): tf.Tensor | null;

  /** Shape of the parameter with `lead` leading batch axes. */
  /**
   * Whether entry `flatIndex` (row-major, any leading axes) of a covariance parameter or precision
   * factor with D features sits on a diagonal: a variance, or a factor's diagonal. Every entry of
   * the diagonal types is one.
   */
  isDiagonalEntry(_flatIndex: number, _nFeatures: number): boolean {
    return true;
  }

  shapeWithLead(lead: number[], nComponents: number, nFeatures: number): number[] {
    return [...lead, ...this.parameterShape(nComponents, nFeatures)];
  }
}
