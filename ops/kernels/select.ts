/**
 * Picks the kernel for a covariance form, per-sample or shared parameters, and the backend.
 */
import * as tf from '@tensorflow/tfjs-core';

import {KernelForm} from '../covariance/covariance_type';
import {Kernel} from './kernel';
import {perSampleDiagonalKernel, perSampleTriangularKernel} from './per_sample';
import {sharedDiagonalKernel} from './shared_diagonal';
import {sharedTriangularKernel} from './shared_triangular';
import {sharedTriangularWasmKernel} from './shared_triangular_wasm';

/** Layout of the shared triangular kernel: chosen from the backend, or forced. */
export type TriangularLayout = 'auto' | 'generic' | 'wasm';

let triangularLayout: TriangularLayout = 'auto';

/**
 * @internal Forces a layout of the shared triangular kernel, so that tests and benchmarks can
 * run both on every backend. Returns the previous setting.
 */
export function setTriangularLayout(layout: TriangularLayout): TriangularLayout {
  const previous = triangularLayout;
  triangularLayout = layout;
  return previous;
}

/** The kernel for `form`; the wasm layout only where its matmul constraints hold. */
export function pickKernel(form: KernelForm, perSample: boolean): Kernel {
  if (form === 'diagonal') return perSample ? perSampleDiagonalKernel : sharedDiagonalKernel;
  if (perSample) return perSampleTriangularKernel;
  const layout = triangularLayout === 'auto' ? (tf.getBackend() === 'wasm' ? 'wasm' : 'generic') : triangularLayout;
  return layout === 'wasm' ? sharedTriangularWasmKernel : sharedTriangularKernel;
}
