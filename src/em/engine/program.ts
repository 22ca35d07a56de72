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
import {EmContext, RemotePasses} from './context';
import {ChunkResponsibilities, PassRequest, PassResult, runPass} from './pass';

/**
 * A pass the program asks for: what to compute, and either the responsibilities for the context
 * the pass runs on (the whole in-memory data, or one streamed batch, whose only chunk has index
 * 0), or the workers that run it (`remote`: their E-step over their rows).
 */
export type PassCall =
  | {request: PassRequest; responsibilities: (ctx: EmContext) => ChunkResponsibilities; remote?: undefined}
  | {request: PassRequest; remote: RemotePasses; responsibilities?: undefined};

/** Where a pass's responsibilities come from: computed on a context, or the workers' own E-step. */
export type PassSource = ((ctx: EmContext) => ChunkResponsibilities) | RemotePasses;

/** The call of `request` from `source`. */
export function passCall(source: PassSource, request: PassRequest): PassCall {
  return typeof source === 'function' ? {request, responsibilities: source} : {request, remote: source};
}

/** Runs a call synchronously: over the chunks of `ctx.data`, or on the workers (blocking). */
export function runPassCall(ctx: EmContext, call: PassCall): PassResult {
  return call.remote ? call.remote.run(call.request) : runPass(ctx, call.responsibilities(ctx), call.request);
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

/** Runs a program synchronously over the chunks of `ctx.data` (or on the workers). */
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
      result = runPassCall(ctx, current.call);
    } catch (e) {
      step = program.throw(e);
      continue;
    }
    step = program.next(result);
  }
  return step.value;
}
