/**
 * What an EM worker does with each request (see protocol.ts), on its own tfjs: keep its share of
 * the rows of a fit, run EM passes over them, compute log-probabilities for the scoring methods.
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceTypeName} from '../../../ops/covariance/covariance_type';
import {EmCovariance} from '../covariance/em_covariance';
import {createEmCovariance} from '../covariance/registry';
import {EmData, chunkedData} from '../data';
import {EmContext, createContext} from '../engine/context';
import {disposeEStepPlan, eStepResponsibilities, planEStep} from '../engine/e_step';
import {ExactPlan, disposePlan, exactPlanFromValues, runPass} from '../engine/pass';
import {passToArrays} from '../engine/statistics';
import {mapRowLogProb} from '../log_prob_rows';
import {ScaledState, disposeState} from '../parameters';
import {LoadMessage, LogProbMessage, PassMessage, WireState, WireTensor, WorkerReply, WorkerRequest} from './protocol';

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

/** A worker's state between requests: the rows of the current fit. */
export class WorkerCore {
  private data: EmData | null = null;
  private em: EmCovariance | null = null;
  private ctx: EmContext | null = null;

  handle(request: WorkerRequest): WorkerReply {
    if (request.kind === 'load') return this.load(request);
    if (request.kind === 'pass') return this.pass(request);
    if (request.kind === 'logProb') return this.logProb(request);
    throw new Error(`${FN}: unknown request ${JSON.stringify((request as {kind: unknown}).kind)}`);
  }

  private release(): void {
    this.em?.dispose();
    this.data?.dispose();
    this.em = null;
    this.data = null;
    this.ctx = null;
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
      if (m.exact) exact = exactPlanFromValues(m.exact.indices, m.exact.shifts, ctx.em.D);
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
