/**
 * The frames the scoring methods evaluate components in. X and the means are shifted by a
 * frame's center in float64 before X is rounded to float32, so a component keeps its digits when
 * its points, in the frame, are within `limit` of its own standard deviations from the center:
 * the rounding of x - c then costs at most eps * limit standard deviations. Components far from
 * the common center in their own units (a narrow component next to a wide, distant one) get a
 * frame around their own mean; each frame evaluates the components assigned to it.
 */

/** One frame: its center [D] and the components evaluated in it (ascending). */
export interface ScoringFrame {
  center: Float32Array;
  components: number[];
}

/** At most this many frames: the components left over join the frame nearest to them. */
export const MAX_SCORING_FRAMES = 8;

/** The distance of component k from `center`, in its own standard deviations (max over features). */
function distanceInSpreads(
  center: ArrayLike<number>,
  means: ArrayLike<number>,
  spreads: ArrayLike<number>,
  k: number,
  D: number,
): number {
  let worst = 0;
  for (let j = 0; j < D; j++) {
    const spread = spreads[k * D + j];
    const d = Math.abs(means[k * D + j] - center[j]);
    worst = Math.max(worst, spread > 0 ? d / spread : d > 0 ? Infinity : 0);
  }
  return worst;
}

/**
 * Frames for K components with means and per-feature standard deviations `spreads` (both
 * [K * D], data space): the first centered on the mean of the means, then one around the mean of
 * each component still farther than `limit` from every frame, which also takes the other
 * components within `limit` of it.
 */
export function scoringFrames(
  means: ArrayLike<number>,
  spreads: ArrayLike<number>,
  K: number,
  D: number,
  limit: number,
): ScoringFrame[] {
  const common = new Float32Array(D);
  for (let j = 0; j < D; j++) {
    let sum = 0;
    for (let k = 0; k < K; k++) sum += means[k * D + j];
    common[j] = sum / K;
  }
  const frames: ScoringFrame[] = [];
  const assigned = new Array<boolean>(K).fill(false);
  const claim = (center: Float32Array) => {
    const components: number[] = [];
    for (let k = 0; k < K; k++) {
      if (!assigned[k] && distanceInSpreads(center, means, spreads, k, D) <= limit) {
        assigned[k] = true;
        components.push(k);
      }
    }
    if (components.length > 0) frames.push({center, components});
  };
  claim(common);
  for (let k = 0; k < K && frames.length < MAX_SCORING_FRAMES; k++) {
    if (!assigned[k]) claim(Float32Array.from({length: D}, (_, j) => means[k * D + j]));
  }
  for (let k = 0; k < K; k++) {
    if (assigned[k]) continue;
    let best = 0;
    let bestDistance = Infinity;
    frames.forEach((f, i) => {
      const d = distanceInSpreads(f.center, means, spreads, k, D);
      if (d < bestDistance) [best, bestDistance] = [i, d];
    });
    frames[best].components.push(k);
    frames[best].components.sort((a, b) => a - b);
  }
  return frames;
}

/** The rows `values` ([N * D]) minus `center`, in float64, then rounded to float32. */
export function shiftRows(values: ArrayLike<number>, N: number, D: number, center: ArrayLike<number>): Float32Array {
  const shifted = new Float32Array(N * D);
  for (let i = 0; i < N * D; i++) shifted[i] = values[i] - center[i % D];
  return shifted;
}
