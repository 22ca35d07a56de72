/**
 * The layout of the shared triangular kernel, by backend (or forced by the GMM_TRIANGULAR_LAYOUT
 * flag, so that tests and benchmarks can run every layout on every backend).
 */
import * as tf from '@tensorflow/tfjs-core';

import {gmmFlag} from '../flags';
import {Kernel} from './kernel';
import {sharedTriangularGenericKernel} from './shared_triangular';
import {sharedTriangularFeatureKernel} from './shared_triangular_features';
import {sharedTriangularWasmKernel} from './shared_triangular_wasm';

const KERNELS = {
  generic: sharedTriangularGenericKernel,
  wasm: sharedTriangularWasmKernel,
  features: sharedTriangularFeatureKernel,
};

/**
 * Backends where the feature-basis layout (its forward in the squared-norms kernel) was measured
 * the fastest: a GMMLayer full step at N = 16384, D = K = 16 took ~0.09 s on cpu (with the
 * moments kernel too) against ~1.5-1.7 s for the generic layout.
 */
const FEATURE_LAYOUT_BACKENDS = new Set(['wasm', 'cpu']);

/** The shared triangular kernel for the active backend: the feature-basis layout on wasm and cpu. */
export function sharedTriangularKernel(): Kernel {
  const layout = gmmFlag('GMM_TRIANGULAR_LAYOUT');
  if (layout !== 'auto') return KERNELS[layout];
  return KERNELS[FEATURE_LAYOUT_BACKENDS.has(tf.getBackend()) ? 'features' : 'generic'];
}
