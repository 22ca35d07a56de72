import * as tf from '@tensorflow/tfjs-core';

/**
 * tf.tidy for a tuple whose entries may be null: the tensors it returns are kept, everything else
 * created inside is disposed, and the nulls stay in place.
 */
export function tidyNullable(body: () => Array<tf.Tensor | null>): Array<tf.Tensor | null> {
  const present: boolean[] = [];
  const kept = tf.tidy(() => {
    const values = body();
    values.forEach((v, i) => {
      present[i] = v !== null;
    });
    return values.filter((v): v is tf.Tensor => v !== null);
  });
  let next = 0;
  return present.map((p) => (p ? kept[next++] : null));
}
