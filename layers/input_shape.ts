/**
 * Input-shape handling shared by the layers that take [batch, features] inputs.
 */
import type {Shape} from '@tensorflow/tfjs-layers';

import {fail, formatShape} from '../ops/util/args';

/** The shape of a layer's (single) input, from what tfjs-layers passes to build/computeOutputShape. */
export function singleInputShape(inputShape: Shape | Shape[]): (number | null)[] {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
}

/**
 * Checks that an input is [batch, features] and, once the layer is built (`built` not null), that
 * its feature count is `built`. `symbol` names the feature axis in messages ('D', 'F').
 */
export function checkFeatureInput(
  fn: string,
  inputShape: (number | null)[],
  built: number | null,
  symbol: string,
): void {
  if (inputShape.length !== 2) {
    fail(
      fn,
      `input must have shape [batch, ${symbol}] (rank 2), but got ${formatShape(inputShape.map((s) => s ?? -1))} (rank ${inputShape.length})`,
    );
  }
  const features = inputShape[1];
  if (built !== null && features !== null && features !== built) {
    fail(
      fn,
      `input must have shape [batch, ${built}] (the layer was built for ${symbol} = ${built}), but got [${inputShape.map((s) => s ?? 'batch').join(', ')}]`,
    );
  }
}
