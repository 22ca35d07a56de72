/**
 * The layout of the shared triangular kernel, by backend (or forced by the GMM_TRIANGULAR_LAYOUT
 * flag, so that tests and benchmarks can run both layouts on every backend).
 */
import * as tf from '@tensorflow/tfjs-core';

import {gmmFlag} from '../flags';
import {Kernel} from './kernel';
import {sharedTriangularGenericKernel} from './shared_triangular';
import {sharedTriangularWasmKernel} from './shared_triangular_wasm';

/** The shared triangular kernel for the active backend: the wasm layout only on wasm. */
export function sharedTriangularKernel(): Kernel {
  const layout = gmmFlag('GMM_TRIANGULAR_LAYOUT');
  const resolved = layout === 'auto' ? (tf.getBackend() === 'wasm' ? 'wasm' : 'generic') : layout;
  return resolved === 'wasm' ? sharedTriangularWasmKernel : sharedTriangularGenericKernel;
}
