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

/** The shared triangular kernel for the active backend: the feature-basis backward only on wasm. */
export function sharedTriangularKernel(): Kernel {
  const layout = gmmFlag('GMM_TRIANGULAR_LAYOUT');
  return KERNELS[layout === 'auto' ? (tf.getBackend() === 'wasm' ? 'features' : 'generic') : layout];
}
