/**
 * The asynchronous driver of EM programs (see engine/program.ts): it runs each pass the program
 * asks for with an async pass runner (over in-memory chunks, or over a stream), yields to the
 * event loop after every iteration (and before a pass when the work since the last yield took
 * more than 20 ms), checks the abort signal before every pass, and reports the end of every
 * iteration.
 */
import {EmProgram, IterationEnd, PassCall} from '../engine/program';
import {PassResult} from '../engine/pass';
import {AsyncGuard} from './guard';

/** Runs one pass of a program. */
export type AsyncPassRunner = (call: PassCall) => Promise<PassResult>;

/**
 * Runs `program` to its end. A failing pass (or an abort) is thrown into the program, which
 * releases its tensors and rethrows.
 *
 * @param onIterationEnd sees the state after every iteration (owned by the program: copy what you keep).
 */
export async function runProgramAsync<T>(
  program: EmProgram<T>,
  runPass: AsyncPassRunner,
  guard: AsyncGuard,
  onIterationEnd?: (end: IterationEnd) => void,
): Promise<T> {
  let step = program.next();
  while (!step.done) {
    const current = step.value;
    try {
      if (current.kind === 'iteration') {
        onIterationEnd?.(current);
        await guard.pause();
        step = program.next();
        continue;
      }
      await guard.maybePause();
      const result = await runPass(current.call);
      step = program.next(result);
    } catch (e) {
      step = program.throw(e);
    }
  }
  return step.value;
}
