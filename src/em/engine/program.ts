/**
 * EM written once for every kind of data. The M-step, an iteration and the loop are generators
 * ("programs") that yield each pass over the data they need and receive its result; a driver
 * runs the passes. The synchronous driver here runs them over the chunks of in-memory data
 * (`fit`); the asynchronous one (src/em/stream/driver.ts) runs them over a stream of batches, or
 * over in-memory chunks with yields to the event loop and an abort signal (`fitAsync`).
 *
 * A driver that stops a program throws into it (`program.throw`), so that its catch and finally
 * blocks release every tensor it holds.
 */
import {ScaledState} from '../parameters';
import {EmContext} from './context';
import {ChunkResponsibilities, PassRequest, PassResult, runPass} from './pass';

/** A pass the program asks for: what to compute, from which responsibilities. */
export interface PassCall {
  /**
   * The responsibilities for the context the pass runs on: the whole in-memory data, or one
   * streamed batch (whose only chunk has index 0).
   */
  responsibilities: (ctx: EmContext) => ChunkResponsibilities;
  /**
   * The E-step the responsibilities come from: its state and the components on the exact path
   * (what a worker needs to compute them itself).
   */
  eStep: {state: ScaledState; exact: number[]};
  request: PassRequest;
}

/** An iteration just ended: the state after it (owned by the program) and its diagnostics. */
export interface IterationEnd {
  state: ScaledState;
  iteration: number;
  lowerBound: number;
  lowerBounds: number[];
}

/** A step of a program: a pass to run (answered with its result), or the end of an iteration. */
export type ProgramStep = {kind: 'pass'; call: PassCall} | ({kind: 'iteration'} & IterationEnd);

/** An EM program returning T. */
export type EmProgram<T> = Generator<ProgramStep, T, PassResult | undefined>;

/** Asks the driver for a pass (use with `yield*`); the caller owns the result. */
export function* pass(call: PassCall): EmProgram<PassResult> {
  return (yield {kind: 'pass', call})!;
}

/** Runs a program synchronously over the chunks of `ctx.data`. */
export function runProgram<T>(ctx: EmContext, program: EmProgram<T>): T {
  let step = program.next();
  while (!step.done) {
    const current = step.value;
    if (current.kind === 'iteration') {
      step = program.next();
      continue;
    }
    let result: PassResult;
    try {
      result = runPass(ctx, current.call.responsibilities(ctx), current.call.request);
    } catch (e) {
      step = program.throw(e);
      continue;
    }
    step = program.next(result);
  }
  return step.value;
}
