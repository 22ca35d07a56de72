/**
 * The messages between the main thread and an EM worker (worker_entry.ts in Node,
 * browser/worker.ts in browsers). Data arrive once per fit (`load`: shared memory where the
 * platform allows, else a copy of the worker's rows); per iteration only parameters and pass
 * statistics cross.
 */
import {PassArrays} from '../engine/statistics';

/** A tensor as it crosses threads. */
export interface WireTensor {
  values: Float32Array;
  shape: number[];
}

/** Parameters (scaled space for `pass`, data space for `logProb`). */
export interface WireState {
  weights: WireTensor;
  means: WireTensor;
  /** The means' rounding residuals (scaled space), or null. */
  meansLow: WireTensor | null;
  covariances: WireTensor;
  precisionsCholesky: WireTensor;
}

/** What a Node worker is told at start (`workerData`). */
export interface WorkerSetup {
  /** The caller's backend name (cpu, wasm, tensorflow, ...). */
  backend: string;
  /** The caller's GMM_* flags. */
  flags: Record<string, number | boolean | string>;
  /** [0]: incremented after every reply; [1]: 1 once the worker has exited. */
  signal: SharedArrayBuffer;
}

/** The first message to a Web Worker: its backend and flags (no reply). */
export interface WebWorkerSetup {
  kind: 'setup';
  backend: string;
  flags: Record<string, number | boolean | string>;
}

/** What a worker needs to know of a fit: the covariance type, the sizes, the data transform. */
export interface FitShape {
  covarianceType: string;
  /** The fixed variance of 'constant' (data units), else null. */
  variance: number | null;
  K: number;
  D: number;
  batchSize: number;
  center: number[];
  scale: number;
}

/**
 * Rows [start, end) of `scaled` (the whole data set in shared memory, or a copy of the worker's
 * rows with start 0), the worker's share of a fit, kept until the next `load`.
 */
export interface LoadMessage extends FitShape {
  kind: 'load';
  /** Scaled rows, Float32 [rows * D]. */
  scaled: SharedArrayBuffer | ArrayBuffer;
  /** Their rounding residuals, Float32 [rows * D], or null. */
  residual: SharedArrayBuffer | ArrayBuffer | null;
  /** Sample weights of the same rows, Float64 [rows], or null. */
  weights: SharedArrayBuffer | ArrayBuffer | null;
  start: number;
  end: number;
}

/** One pass over the worker's rows: the E-step under `state`, then the sums `request` asks for. */
export interface PassMessage {
  kind: 'pass';
  state: WireState;
  /** Components on the exact path of the E-step. */
  eStepExact: number[];
  moments: boolean;
  logLikelihood: boolean;
  /** Exact statistics of these components around `shifts` [Kf, D] (float64), or null. */
  exact: {indices: number[]; shifts: Float64Array} | null;
}

/** Per-component log-probabilities log pi_k + log N(x | mu_k, Sigma_k) of rows [start, end). */
export interface LogProbMessage {
  kind: 'logProb';
  covarianceType: string;
  state: WireState;
  /** Float32 [N * D] input rows. */
  input: SharedArrayBuffer;
  /** Float32 [N * K] output. */
  output: SharedArrayBuffer;
  D: number;
  K: number;
  batchSize: number;
  start: number;
  end: number;
}

/** The fit of a stream: what every batch shares (the covariance type, the transform, the chunk size). */
export interface StreamLoadMessage extends FitShape {
  kind: 'streamLoad';
}

/** The start of a pass over a stream: the E-step and the sums to take (as {@link PassMessage}). */
export interface StreamPassMessage extends Omit<PassMessage, 'kind'> {
  kind: 'streamPass';
}

/** One batch of the current stream pass: its rows (data space, row-major) and weights. */
export interface StreamBatchMessage {
  kind: 'streamBatch';
  /** Float32 [rows * D]. */
  values: Float32Array;
  /** Float64 [rows], or null when unweighted. */
  weights: Float64Array | null;
  rows: number;
}

/** The end of a stream pass: the reply carries the sums over the worker's batches. */
export interface StreamEndMessage {
  kind: 'streamEnd';
}

export type WorkerRequest =
  | LoadMessage
  | PassMessage
  | LogProbMessage
  | StreamLoadMessage
  | StreamPassMessage
  | StreamBatchMessage
  | StreamEndMessage;

/** A worker's reply: the pass sums, an acknowledgement, or the error it hit. */
export type WorkerReply = {ok: true; arrays?: PassArrays} | {ok: false; error: string};
