/**
 * The tf.env() flags of ops/flags.ts: registered with their defaults, validated when set (an
 * invalid value leaves the last valid one in place), and read by the code they tune.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {GMM_FLAGS, GmmFlagName} from '../../ops/flags';
import {sharedTriangularKernel} from '../../ops/kernels/select';
import {sharedTriangularGenericKernel} from '../../ops/kernels/shared_triangular';
import {sharedTriangularFeatureKernel} from '../../ops/kernels/shared_triangular_features';
import {sharedTriangularWasmKernel} from '../../ops/kernels/shared_triangular_wasm';
import {expectThrowsWith} from '../helpers/assertions';
import {setGmmFlag} from '../helpers/flags';

describe('tf.env() flags', () => {
  it('are registered with their documented defaults', () => {
    expect(tf.env().get('GMM_LAZY_GRADIENTS')).to.equal(true);
    expect(tf.env().get('GMM_TRIANGULAR_LAYOUT')).to.equal('auto');
    expect(tf.env().get('GMM_EM_EXACT_PATH_LIMIT')).to.equal(1024);
    expect(tf.env().get('GMM_KERNEL_EXACT_LIMIT')).to.equal(32);
    expect(tf.env().get('GMM_EM_FEATURE_CACHE_BYTES')).to.equal(768 * 1024 * 1024);
    expect(tf.env().get('GMM_VALIDATE_VALUES')).to.equal(false);
    expect(tf.env().get('GMM_MDN_WASM_KERNEL')).to.equal(true);
    expect(tf.env().get('GMM_POSTERIOR_WASM_KERNEL')).to.equal(true);
    expect(tf.env().get('GMM_TRIANGULAR_WASM_KERNELS')).to.equal(true);
    expect(tf.env().get('GMM_DIAGONAL_WASM_KERNEL')).to.equal(true);
    expect(tf.env().get('GMM_KERNEL_THREADS')).to.equal('auto');
    expect(tf.env().get('GMM_MAX_ALLOCATION_BYTES')).to.equal(1024 * 1024 * 1024);
  });

  it('reject invalid values with a message naming the flag, and keep the last valid value', () => {
    const cases: Array<[GmmFlagName, unknown, string]> = [
      ['GMM_LAZY_GRADIENTS', 'yes', 'tf.env(): GMM_LAZY_GRADIENTS must be a boolean, but got "yes"'],
      [
        'GMM_TRIANGULAR_LAYOUT',
        'fast',
        "tf.env(): GMM_TRIANGULAR_LAYOUT must be one of 'auto', 'generic', 'wasm', 'features', but got \"fast\"",
      ],
      [
        'GMM_EM_EXACT_PATH_LIMIT',
        -1,
        'tf.env(): GMM_EM_EXACT_PATH_LIMIT must be a number >= 0 (Infinity allowed), but got -1',
      ],
      ['GMM_EM_FEATURE_CACHE_BYTES', NaN, 'tf.env(): GMM_EM_FEATURE_CACHE_BYTES must be a number >= 0'],
      ['GMM_VALIDATE_VALUES', 1, 'tf.env(): GMM_VALIDATE_VALUES must be a boolean, but got 1'],
      ['GMM_MDN_WASM_KERNEL', 'on', 'tf.env(): GMM_MDN_WASM_KERNEL must be a boolean, but got "on"'],
      ['GMM_POSTERIOR_WASM_KERNEL', 0, 'tf.env(): GMM_POSTERIOR_WASM_KERNEL must be a boolean, but got 0'],
      ['GMM_DIAGONAL_WASM_KERNEL', 'no', 'tf.env(): GMM_DIAGONAL_WASM_KERNEL must be a boolean, but got "no"'],
      ['GMM_TRIANGULAR_WASM_KERNELS', null, 'tf.env(): GMM_TRIANGULAR_WASM_KERNELS must be a boolean, but got null'],
      ['GMM_KERNEL_THREADS', 0, "tf.env(): GMM_KERNEL_THREADS must be 'auto' or an integer >= 1, but got 0"],
      ['GMM_KERNEL_THREADS', 1.5, "tf.env(): GMM_KERNEL_THREADS must be 'auto' or an integer >= 1, but got 1.5"],
      ['GMM_KERNEL_THREADS', 'all', 'tf.env(): GMM_KERNEL_THREADS must be \'auto\' or an integer >= 1, but got "all"'],
      [
        'GMM_MAX_ALLOCATION_BYTES',
        -1,
        'tf.env(): GMM_MAX_ALLOCATION_BYTES must be a number >= 0 (Infinity allowed), but got -1',
      ],
    ];
    for (const [name, bad, message] of cases) {
      const before = tf.env().get(name);
      expectThrowsWith(() => tf.env().set(name, bad as number), message);
      expect(tf.env().get(name), name).to.equal(before);
      expect(tf.env().get(name), name).to.equal(GMM_FLAGS[name].defaultValue);
    }
  });

  it('GMM_TRIANGULAR_LAYOUT picks the shared triangular kernel', () => {
    const previous = setGmmFlag('GMM_TRIANGULAR_LAYOUT', 'wasm');
    try {
      expect(sharedTriangularKernel()).to.equal(sharedTriangularWasmKernel);
      setGmmFlag('GMM_TRIANGULAR_LAYOUT', 'generic');
      expect(sharedTriangularKernel()).to.equal(sharedTriangularGenericKernel);
      setGmmFlag('GMM_TRIANGULAR_LAYOUT', 'features');
      expect(sharedTriangularKernel()).to.equal(sharedTriangularFeatureKernel);
      // 'auto': the feature-basis layout where it was measured fastest (wasm, cpu), else generic.
      setGmmFlag('GMM_TRIANGULAR_LAYOUT', 'auto');
      expect(sharedTriangularKernel()).to.equal(
        ['wasm', 'cpu'].includes(tf.getBackend()) ? sharedTriangularFeatureKernel : sharedTriangularGenericKernel,
      );
    } finally {
      setGmmFlag('GMM_TRIANGULAR_LAYOUT', previous);
    }
  });
});
