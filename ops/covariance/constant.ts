import {SharedIsotropicCovariance} from './shared_isotropic';

/**
 * A fixed variance, the same for every component and direction (the PyTorch GMM reference's
 * `constant`): a scalar like `shared_isotropic`, and the same density and gradients in the ops.
 * What differs is that it is not learned: `GMMLayer` holds it as its `variance` argument (no
 * trainable weight), and it counts as no free parameter.
 */
export class ConstantCovariance extends SharedIsotropicCovariance {
  override readonly name = 'constant' as const;
  override readonly learnsCovariance: boolean = false;

  override nParameters(): number {
    return 0;
  }
}
