/**
 * tfjs-gmm's tunables, registered as `tf.env()` flags so that they can be read and set like tfjs's
 * own (`tf.env().set('GMM_EM_EXACT_PATH_LIMIT', 0)`, or `?tfjsflags=GMM_...:value` in a page URL).
 * Every flag validates the value it is set to. The defaults are what the library is tuned for;
 * the flags exist for benchmarks, tests and unusual data.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Layouts of the shared triangular kernel (see ops/kernels/select.ts). */
export const TRIANGULAR_LAYOUTS = ['auto', 'generic', 'wasm', 'features'] as const;

/** A layout of the shared triangular kernel: chosen from the backend (`auto`), or forced. */
export type TriangularLayout = (typeof TRIANGULAR_LAYOUTS)[number];

/** A flag's value (tfjs's `FlagValue`). */
type FlagValue = number | boolean | string;

/** Description and default of one flag. */
interface FlagSpec {
  defaultValue: FlagValue;
  /** Throws when `value` is not a valid setting. */
  check(value: FlagValue): void;
}

function requireBoolean(name: string) {
  return (value: FlagValue) => {
    if (typeof value !== 'boolean')
      throw new Error(`tf.env(): ${name} must be a boolean, but got ${JSON.stringify(value)}`);
  };
}

function requireNonNegative(name: string) {
  return (value: FlagValue) => {
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
      throw new Error(`tf.env(): ${name} must be a number >= 0 (Infinity allowed), but got ${JSON.stringify(value)}`);
    }
  };
}

function requireThreadCount(name: string) {
  return (value: FlagValue) => {
    if (value !== 'auto' && !(typeof value === 'number' && Number.isInteger(value) && value >= 1)) {
      throw new Error(`tf.env(): ${name} must be 'auto' or an integer >= 1, but got ${JSON.stringify(value)}`);
    }
  };
}

/** The flags, by name. */
export const GMM_FLAGS = {
  /**
   * Whether the ops compute only the gradients backprop asks for (through the engine's
   * `runKernelFunc`, feature-detected); false forces the eager `tf.customGrad` path.
   */
  GMM_LAZY_GRADIENTS: {defaultValue: true, check: requireBoolean('GMM_LAZY_GRADIENTS')},
  /**
   * Whether the mixture-density loss runs as one WebAssembly SIMD kernel on host-memory backends
   * (cpu, wasm, tfjs-node; ops/mdn/fused_kernel.ts); false forces its tf-ops form there too.
   */
  GMM_MDN_WASM_KERNEL: {defaultValue: true, check: requireBoolean('GMM_MDN_WASM_KERNEL')},
  /**
   * Whether the posterior of logits (responsibilities and log-sum-exps: EM's E-step,
   * `mixtureLogLikelihood` and so GMMLayer's loss) runs as one WebAssembly SIMD kernel on
   * host-memory backends (ops/kernels/wasm/posterior.ts); false forces its tf-ops form (a softmax
   * and two row maxima).
   */
  GMM_POSTERIOR_WASM_KERNEL: {defaultValue: true, check: requireBoolean('GMM_POSTERIOR_WASM_KERNEL')},
  /**
   * Whether the shared full/tied kernel's squared norms |P_k^T (x - mu_k)|^2 (layouts 'wasm' and
   * 'features') and the moments of its feature-basis backward run as WebAssembly SIMD kernels on
   * host-memory backends (ops/kernels/wasm/squared_norms.ts, symmetric_moments.ts); false forces
   * their tf-ops forms (a [N, K * D] matmul and a squared difference; the products of z and a
   * matmul with g).
   */
  GMM_TRIANGULAR_WASM_KERNELS: {defaultValue: true, check: requireBoolean('GMM_TRIANGULAR_WASM_KERNELS')},
  /**
   * Whether the shared diag/spherical feature-basis kernel runs its forward (the whitened rows and
   * the squared norms) and its gradients' moments [sum g u^2, sum g u, sum g] as WebAssembly SIMD
   * kernels on host-memory backends (ops/kernels/wasm/diagonal_norms.ts, diagonal_moments.ts);
   * false forces their tf-ops forms (two matmuls [N, D] x [D, K]; a matmul with g).
   */
  GMM_DIAGONAL_WASM_KERNEL: {defaultValue: true, check: requireBoolean('GMM_DIAGONAL_WASM_KERNEL')},
  /**
   * Threads that the shared full/tied kernel's squared norms and moments
   * (GMM_TRIANGULAR_WASM_KERNELS) run on, the calling thread included, for batches of at least
   * 4096 rows: 'auto' is one per core (at most 8) on Node's main thread, 1 in Node's worker threads
   * (e.g. EM workers, which share the cores already) and in browsers (a page's main thread cannot
   * block on helpers); 1 keeps them on the calling thread (ops/kernels/wasm/kernel_threads.ts).
   */
  GMM_KERNEL_THREADS: {defaultValue: 'auto', check: requireThreadCount('GMM_KERNEL_THREADS')},
  /** Layout of the shared full/tied kernel: 'auto' (by backend), 'generic', 'wasm' or 'features'. */
  GMM_TRIANGULAR_LAYOUT: {
    defaultValue: 'auto',
    check: (value: FlagValue) => {
      if (!(TRIANGULAR_LAYOUTS as readonly unknown[]).includes(value)) {
        throw new Error(
          `tf.env(): GMM_TRIANGULAR_LAYOUT must be one of ${TRIANGULAR_LAYOUTS.map((l) => `'${l}'`).join(', ')}, but got ${JSON.stringify(value)}`,
        );
      }
    },
  },
  /**
   * Shared-mixture ops: components whose conditioning against the kernel's centre (how far, in
   * their own standard deviations, their mean sits from it; see ops/kernels/grouped.ts) exceeds
   * this limit are evaluated around their own mean (the exact path). 0 forces the exact path for
   * every component; Infinity keeps one shared centre and reads nothing back from the backend.
   */
  GMM_KERNEL_EXACT_LIMIT: {defaultValue: 32, check: requireNonNegative('GMM_KERNEL_EXACT_LIMIT')},
  /**
   * EM: components whose conditioning (how far, in their own standard deviations, they sit from
   * the centre of the data) exceeds this limit take the exact path. 0 forces the exact path
   * everywhere; Infinity keeps the fast path unless a covariance comes out indefinite.
   */
  GMM_EM_EXACT_PATH_LIMIT: {defaultValue: 1024, check: requireNonNegative('GMM_EM_EXACT_PATH_LIMIT')},
  /**
   * EM: bytes of per-chunk features kept for a whole fit. Below it the features are built once
   * per fit; above it they are rebuilt in every iteration (less memory, a few more matmuls).
   */
  GMM_EM_FEATURE_CACHE_BYTES: {
    defaultValue: 768 * 1024 * 1024,
    check: requireNonNegative('GMM_EM_FEATURE_CACHE_BYTES'),
  },
  /**
   * Whether the ops read back parameters given as tensors to check their values (finite means,
   * non-negative weights, positive variances, valid sample weights). Values given as JavaScript
   * arrays are always checked (they are on the host anyway); a tensor's check costs a
   * synchronisation with the backend (a GPU read-back), so it is off by default.
   */
  GMM_VALIDATE_VALUES: {defaultValue: false, check: requireBoolean('GMM_VALIDATE_VALUES')},
  /**
   * The largest float32 tensor (in bytes) a function may need; sizes above it are refused before
   * anything is allocated, with the size needed. The default (1 GiB) stays within what every
   * backend can allocate (the wasm heap holds at most 4 GiB in all, typed arrays at most 2^32 - 1
   * entries); Infinity disables the check.
   */
  GMM_MAX_ALLOCATION_BYTES: {defaultValue: 2 ** 30, check: requireNonNegative('GMM_MAX_ALLOCATION_BYTES')},
} satisfies Record<string, FlagSpec>;

/** Names of the flags. */
export type GmmFlagName = keyof typeof GMM_FLAGS;

for (const [name, spec] of Object.entries(GMM_FLAGS) as Array<[GmmFlagName, FlagSpec]>) {
  // tf.env().set stores the value before it calls the hook: an invalid value is replaced by the
  // last valid one before the error propagates.
  let lastValid = spec.defaultValue;
  tf.env().registerFlag(
    name,
    () => spec.defaultValue,
    (value) => {
      try {
        spec.check(value);
        lastValid = value;
      } catch (e) {
        tf.env().set(name, lastValid);
        throw e;
      }
    },
  );
}

/** The current value of a flag. */
export function gmmFlag(
  name:
    | 'GMM_DIAGONAL_WASM_KERNEL'
    | 'GMM_LAZY_GRADIENTS'
    | 'GMM_MDN_WASM_KERNEL'
    | 'GMM_POSTERIOR_WASM_KERNEL'
    | 'GMM_TRIANGULAR_WASM_KERNELS'
    | 'GMM_VALIDATE_VALUES',
): boolean;
export function gmmFlag(name: 'GMM_TRIANGULAR_LAYOUT'): TriangularLayout;
export function gmmFlag(name: 'GMM_KERNEL_THREADS'): 'auto' | number;
export function gmmFlag(
  name:
    'GMM_EM_EXACT_PATH_LIMIT' | 'GMM_EM_FEATURE_CACHE_BYTES' | 'GMM_KERNEL_EXACT_LIMIT' | 'GMM_MAX_ALLOCATION_BYTES',
): number;
export function gmmFlag(name: GmmFlagName): FlagValue {
  return tf.env().get(name);
}
