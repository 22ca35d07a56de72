/**
 * Preset data sets of the demo, in data coordinates (the plot shows [-5, 5] x [-5, 5]). Each is
 * generated from a fixed seed (the library's SeededRandom), so a preset is the same points on every
 * load and every machine.
 */

import {SeededRandom} from 'tfjs-gmm';

/**
 * `n` points around `center`, with standard deviations `along` and `across` the direction at
 * `angle` radians: a correlated cluster unless the two are equal.
 */
function cluster(random, n, center, along, across, angle = 0) {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return Array.from({length: n}, () => {
    const u = along * random.normal();
    const v = across * random.normal();
    return [center[0] + c * u - s * v, center[1] + s * u + c * v];
  });
}

/** The presets: a label, the suggested number of components and the points. */
export const PRESETS = {
  blobs: {
    label: 'Three blobs',
    nComponents: 3,
    points: () => {
      const random = new SeededRandom(1);
      return [
        ...cluster(random, 60, [-2.5, -2], 0.7, 0.7),
        ...cluster(random, 60, [2.5, -1.5], 0.9, 0.5),
        ...cluster(random, 60, [0, 2.5], 0.6, 0.6),
      ];
    },
  },
  // Two long, thin, parallel clusters on the diagonal: two full covariances fit them, while
  // axis-aligned (diag, spherical) components can only tile them with many small blobs.
  correlated: {
    label: 'Correlated pair',
    nComponents: 2,
    points: () => {
      const random = new SeededRandom(2);
      return [
        ...cluster(random, 100, [-0.9, 0.9], 1.8, 0.25, Math.PI / 4),
        ...cluster(random, 100, [0.9, -0.9], 1.8, 0.25, Math.PI / 4),
      ];
    },
  },
  ring: {
    label: 'Ring',
    nComponents: 8,
    points: () => {
      const random = new SeededRandom(3);
      return Array.from({length: 240}, () => {
        const angle = 2 * Math.PI * random.uniform();
        const radius = 3.2 + 0.25 * random.normal();
        return [radius * Math.cos(angle), radius * Math.sin(angle)];
      });
    },
  },
};
