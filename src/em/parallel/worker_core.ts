/**
 * What an EM worker does with each request (see protocol.ts), on its own tfjs: keep its share of
 * the rows of a fit, run EM passes over them, run stream passes over the batches it is sent,
 * compute log-probabilities for the scoring methods.
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceTypeName} from '../../../ops/covariance/covariance_type';
import {EmCovariance} from '../covariance/em_covariance';
import {createEmCovariance} from '../covariance/registry';
import {DataTransform, EmData, chunkedData, scaleRows} from '../data';
import {EmContext, createContext} from '../engine/context';
import {EStepPlan, disposeEStepPlan, eStepResponsibilities, planEStep} from '../engine/e_step';
import {ExactPlan, PassRequest, disposePlan, exactPlanFromValues, runPass} from '../engine/pass';
import {PassArrays, mergePassArrays, passToArrays} from '../engine/statistics';
import {mapRowLogProb} from '../log_prob_rows';
import {ScaledState, disposeState} from '../parameters';
import {
  LoadMessage,
  LogProbMessage,
  PassMessage,
  StreamBatchMessage,
  StreamLoadMessage,
  StreamPassMessage,
  WireState,
  WireTensor,
  WorkerReply,
  WorkerRequest,
} from './protocol';

const FN = 'GaussianMixture worker';

function tensorOf(t: WireTensor): tf.Tensor {
  return tf.tensor(t.values, t.shape);
}

function stateOf(s: WireState): ScaledState {
  return {
    weights: tensorOf(s.weights) as tf.Tensor1D,
    means: tensorOf(s.means) as tf.Tensor2D,
    meansLow: s.meansLow ? (tensorOf(s.meansLow) as tf.Tensor2D) : null,
    covariances: tensorOf(s.covariances),
    precisionsCholesky: tensorOf(s.precisionsCholesky),
  };
}

/** The exact plan of a pass message on the backend (the caller disposes it), or null. */
function exactPlanOf(m: PassMessage | StreamPassMessage, D: number): ExactPlan | null {
  return m.exact ? exactPlanFromValues(m.exact.indices, m.exact.shifts, D) : null;
}

/** A pass over a stream in progress: the E-step's tensors, the request and the sums so far. */
interface StreamPass {
  state: ScaledState;
  plan: EStepPlan;
  exact: ExactPlan | null;
  request: PassRequest;
  total: PassArrays;
}

/** A worker's state between requests: the rows of the current fit, or the current stream pass. */
export class WorkerCore {
  private data: EmData | null = null;
  private em: EmCovariance | null = null;
  private ctx: EmContext | null = null;
  private stream: {transform: DataTransform; batchSize: number} | null = null;
  private streamPass: StreamPass | null = null;

  handle(request: WorkerRequest): WorkerReply {
    if (request.kind === 'load') return this.load(request);
    if (request.kind === 'pass') return this.pass(request);
    if (request.kind === 'logProb') return this.logProb(request);
    if (request.kind === 'streamLoad') return this.streamLoad(request);
    if (request.kind === 'streamPass') return this.startStreamPass(request);
    if (request.kind === 'streamBatch') return this.streamBatch(request);
    if (request.kind === 'streamEnd') return this.endStreamPass();
    throw new Error(`${FN}: unknown request ${JSON.stringify((request as {kind: unknown}).kind)}`);
  }

  private release(): void {
    this.releaseStreamPass();
    this.em?.dispose();
    this.data?.dispose();
    this.em = null;
    this.data = null;
    this.ctx = null;
    this.stream = null;
  }

  private releaseStreamPass(): void {
    const p = this.streamPass;
    if (!p) return;
    disposeEStepPlan(p.plan);
    disposePlan(p.exact);
    disposeState(p.state);
    this.streamPass = null;
  }

  private streamLoad(m: StreamLoadMessage): WorkerReply {
    this.release();
    this.em = createEmCovariance(m.covarianceType, m.K, m.D, FN, m.variance ?? undefined);
    this.stream = {transform: {center: Float64Array.from(m.center), scale: m.scale}, batchSize: m.batchSize};
    return {ok: true};
  }

  private startStreamPass(m: StreamPassMessage): WorkerReply {
    const em = this.em;
    if (!em || !this.stream) throw new Error(`${FN}: a stream pass before the stream was loaded`);
    this.releaseStreamPass();
    const state = stateOf(m.state);
    let plan: EStepPlan | null = null;
    try {
      plan = planEStep(em, state, m.eStepExact);
      const exact = exactPlanOf(m, em.D);
      this.streamPass = {
        state,
        plan,
        exact,
        request: {moments: m.moments, exact, logLikelihood: m.logLikelihood},
        total: {moments: null, exactScatter: null, logLikelihoodSum: null},
      };
      return {ok: true};
    } catch (e) {
      if (plan) disposeEStepPlan(plan);
      disposeState(state);
      throw e;
    }
  }

  /** The pass over one batch (scaled here as the main thread scales in-thread), added to the sums. */
  private streamBatch(m: StreamBatchMessage): WorkerReply {
    const p = this.streamPass;
    if (!p || !this.stream) throw new Error(`${FN}: a stream batch outside a stream pass`);
    const {transform, batchSize} = this.stream;
    const D = this.em!.D;
    const total = m.weights ? m.weights.reduce((s, w) => s + w, 0) : m.rows;
    const data = chunkedData(
      scaleRows(m.values, m.rows, D, transform),
      m.rows,
      D,
      transform,
      m.weights,
      total,
      batchSize,
    );
    try {
      const ctx = createContext(FN, data, this.em!, 0);
      const pass = runPass(ctx, eStepResponsibilities(ctx, p.state, p.plan), p.request);
      p.total = mergePassArrays(p.total, passToArrays(pass));
      return {ok: true};
    } finally {
      data.dispose();
    }
  }

  private endStreamPass(): WorkerReply {
    const p = this.streamPass;
    if (!p) throw new Error(`${FN}: the end of a stream pass that did not start`);
    const arrays = p.total;
    this.releaseStreamPass();
    return {ok: true, arrays};
  }

  private load(m: LoadMessage): WorkerReply {
    this.release();
    const rows = m.end - m.start;
    const scaled = new Float32Array(m.scaled, m.start * m.D * 4, rows * m.D);
    const residual = m.residual ? new Float32Array(m.residual, m.start * m.D * 4, rows * m.D) : null;
    const weights = m.weights ? new Float64Array(m.weights, m.start * 8, rows) : null;
    let total = rows;
    if (weights) total = weights.reduce((s, w) => s + w, 0);
    const transform = {center: Float64Array.from(m.center), scale: m.scale};
    this.data = chunkedData({scaled, residual}, rows, m.D, transform, weights, total, m.batchSize);
    this.em = createEmCovariance(m.covarianceType, m.K, m.D, FN, m.variance ?? undefined);
    this.ctx = createContext(FN, this.data, this.em, 0);
    return {ok: true};
  }

  private pass(m: PassMessage): WorkerReply {
    const ctx = this.ctx;
    if (!ctx) throw new Error(`${FN}: a pass before any data were loaded`);
    const state = stateOf(m.state);
    const plan = planEStep(ctx.em, state, m.eStepExact);
    let exact: ExactPlan | null = null;
    try {
      exact = exactPlanOf(m, ctx.em.D);
      const pass = runPass(ctx, eStepResponsibilities(ctx, state, plan), {
        moments: m.moments,
        exact,
        logLikelihood: m.logLikelihood,
      });
      return {ok: true, arrays: passToArrays(pass)};
    } finally {
      disposeEStepPlan(plan);
      disposePlan(exact);
      disposeState(state);
    }
  }

  private logProb(m: LogProbMessage): WorkerReply {
    const rows = m.end - m.start;
    const input = new Float32Array(m.input, m.start * m.D * 4, rows * m.D);
    const output = new Float32Array(m.output, m.start * m.K * 4, rows * m.K);
    const p = stateOf(m.state);
    try {
      const logProb = tf.tidy(() =>
        mapRowLogProb(input, rows, m.D, p, m.covarianceType as CovarianceTypeName, m.batchSize, (lp) => lp),
      );
      output.set(logProb.dataSync());
      logProb.dispose();
      return {ok: true};
    } finally {
      tf.dispose([p.weights, p.means, p.covariances, p.precisionsCholesky]);
    }
  }
}
