/**
 * Preset data sets of the demo, in data coordinates (the plot shows [-5, 5] x [-5, 5]). Each is
 * generated from a fixed seed, so a preset is the same points on every load and every machine.
 */

/** mulberry32: a small seeded generator of uniform numbers in [0, 1). */
function uniformGenerator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box-Muller) from a uniform generator. */
function normal(uniform) {
  return Math.sqrt(-2 * Math.log(Math.max(uniform(), 1e-12))) * Math.cos(2 * Math.PI * uniform());
}

/**
 * `n` points around `centre`, with standard deviations `along` and `across` the direction at
 * `angle` radians: a correlated cluster unless the two are equal.
 */
function cluster(uniform, n, centre, along, across, angle = 0) {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return Array.from({length: n}, () => {
    const u = along * normal(uniform);
    const v = across * normal(uniform);
    return [centre[0] + c * u - s * v, centre[1] + s * u + c * v];
  });
}

/** The presets: a label, the suggested number of components and the points. */
export const PRESETS = {
  blobs: {
    label: 'Three blobs',
    nComponents: 3,
    points: () => {
      const uniform = uniformGenerator(1);
      return [
        ...cluster(uniform, 60, [-2.5, -2], 0.7, 0.7),
        ...cluster(uniform, 60, [2.5, -1.5], 0.9, 0.5),
        ...cluster(uniform, 60, [0, 2.5], 0.6, 0.6),
      ];
    },
  },
  // Two long, thin, parallel clusters on the diagonal: two full covariances fit them, while
  // axis-aligned (diag, spherical) components can only tile them with many small blobs.
  correlated: {
    label: 'Correlated pair',
    nComponents: 2,
    points: () => {
      const uniform = uniformGenerator(2);
      return [
        ...cluster(uniform, 100, [-0.9, 0.9], 1.8, 0.25, Math.PI / 4),
        ...cluster(uniform, 100, [0.9, -0.9], 1.8, 0.25, Math.PI / 4),
      ];
    },
  },
  ring: {
    label: 'Ring',
    nComponents: 8,
    points: () => {
      const uniform = uniformGenerator(3);
      return Array.from({length: 240}, () => {
        const angle = 2 * Math.PI * uniform();
        const radius = 3.2 + 0.25 * normal(uniform);
        return [radius * Math.cos(angle), radius * Math.sin(angle)];
      });
    },
  },
};
