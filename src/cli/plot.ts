/**
 * Figures for the CLI: the data with the mixture's means and 1- and 2-sigma ellipses, and the
 * loss curve. Drawn with Observable Plot (SVG, through a jsdom document) and rasterised to PNG
 * with resvg when the file name ends in .png.
 */
import * as fs from 'fs';
import * as path from 'path';

import {symmetricEigen} from './eigen';
import {principalAxes} from './figure_data';
import {requireOptional} from './optional';
import {writeFileAtomically} from './atomic_file';

/** A mixture in plain arrays; covariances as full D x D matrices (the generated truth, tests). */
export interface PlainMixture {
  weights: number[];
  means: number[][];
  covariances: number[][][];
}

/** A mixture as a figure needs it: the covariances only through their projection onto two axes. */
export interface FigureMixture {
  weights: number[];
  means: number[][];
  /** [K] 2 x 2 matrices [[u' S u, u' S w], [w' S u, w' S w]] for axes u, w of length D. */
  projectCovariances(u: number[], w: number[]): number[][][];
}

function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** A {@link FigureMixture} of dense covariances. */
export function denseFigureMixture(mixture: PlainMixture): FigureMixture {
  const quadratic = (s: number[][], a: number[], b: number[]) =>
    dot(
      a,
      s.map((row) => dot(row, b)),
    );
  return {
    weights: mixture.weights,
    means: mixture.means,
    projectCovariances: (u, w) =>
      mixture.covariances.map((s) => [
        [quadratic(s, u, u), quadratic(s, u, w)],
        [quadratic(s, w, u), quadratic(s, w, w)],
      ]),
  };
}

/**
 * Projects data and mixture onto the data's first two principal axes (identity for D = 2; see
 * {@link principalAxes}). Returns 2-D points, means and 2 x 2 covariances, and the axis labels.
 */
export function projectTo2D(
  x: number[][],
  mixture: FigureMixture | PlainMixture,
  seed = 0,
): {points: number[][]; mixture: PlainMixture; axes: [string, string]} {
  const m = 'projectCovariances' in mixture ? mixture : denseFigureMixture(mixture);
  const D = x[0].length;
  const [u, w] =
    D === 2
      ? [
          [1, 0],
          [0, 1],
        ]
      : principalAxes(x, seed);
  const project = (p: number[]) => [dot(p, u), dot(p, w)];
  return {
    points: D === 2 ? x : x.map(project),
    mixture: {weights: m.weights, means: m.means.map(project), covariances: m.projectCovariances(u, w)},
    axes: D === 2 ? ['x1', 'x2'] : ['principal axis 1', 'principal axis 2'],
  };
}

/** Points on the r-sigma ellipse of a 2 x 2 covariance around `mean`. */
export function ellipsePoints(mean: number[], covariance: number[][], r: number, count = 72): number[][] {
  const {values, vectors} = symmetricEigen(covariance);
  const [a, b] = values.map((l) => r * Math.sqrt(Math.max(l, 0)));
  return Array.from({length: count + 1}, (_, i) => {
    const t = (2 * Math.PI * i) / count;
    return [0, 1].map((j) => mean[j] + a * Math.cos(t) * vectors[0][j] + b * Math.sin(t) * vectors[1][j]);
  });
}

// Loaded on demand: the plotting stack is only needed with --visualize (optional peer dependencies).
function plotting() {
  const Plot = requireOptional<typeof import('@observablehq/plot')>('@observablehq/plot', '--visualize');
  const {JSDOM} = requireOptional<typeof import('jsdom')>('jsdom', '--visualize');
  return {Plot, document: new JSDOM('').window.document};
}

/** A title drawn inside the SVG (Plot's own title option wraps the SVG in an HTML figure). */
function titleMark(Plot: typeof import('@observablehq/plot'), title: string) {
  return Plot.text([title], {frameAnchor: 'top', dy: -22, fontSize: 14, fontWeight: 'bold'});
}

function serialise(svg: Element): string {
  if (svg.tagName.toLowerCase() !== 'svg') throw new Error(`plot: expected an <svg> element, got <${svg.tagName}>`);
  const text = svg.outerHTML;
  return text.includes('xmlns=') ? text : text.replace('<svg', '<svg xmlns="http://www.w3.org/2000/svg"');
}

/**
 * SVG of the data coloured by component, the means (crosses) and each component's 1- and 2-sigma
 * ellipses, one `<g class="gmm-ellipse gmm-ellipse-k">` group per component. 1-D data are shown as
 * the mixture density over a histogram. `seed` seeds the principal axes of large D.
 */
export function mixtureFigure(
  x: number[][],
  labels: number[],
  mixture: FigureMixture,
  title: string,
  seed = 0,
): string {
  const {Plot, document} = plotting();
  const K = mixture.weights.length;
  const colour = (k: number) => `component ${k}`;
  if (x[0].length === 1) {
    const values = x.map((r) => r[0]);
    // Loops, not Math.min(...values): spreading 100k+ arguments overflows the stack.
    let [lo, hi] = [Infinity, -Infinity];
    for (const v of values) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    const variances = mixture.projectCovariances([1], [1]).map((c) => c[0][0]);
    const grid = Array.from({length: 300}, (_, i) => lo + ((hi - lo) * i) / 299);
    const density = (t: number, k: number) =>
      (mixture.weights[k] * Math.exp(-((t - mixture.means[k][0]) ** 2) / (2 * variances[k]))) /
      Math.sqrt(2 * Math.PI * variances[k]);
    const curve = grid.map((t) => ({
      t,
      p: Array.from({length: K}, (_, k) => density(t, k)).reduce((a, b) => a + b, 0),
    }));
    return serialise(
      Plot.plot({
        document,
        width: 720,
        height: 420,
        marginTop: 40,
        x: {label: 'x'},
        y: {label: 'density'},
        marks: [
          titleMark(Plot, title),
          // Histogram normalised to a density, so that it compares with the mixture's density.
          Plot.rectY(values, {
            ...Plot.binX(
              {
                y: {
                  reduceIndex: (I: number[], _X: unknown, extent: {x1: number; x2: number}) =>
                    I.length / (values.length * (extent.x2 - extent.x1)),
                },
              } as never,
              {x: (v: number) => v, thresholds: 40},
            ),
            fill: '#ccc',
          }),
          Plot.line(curve, {x: 't', y: 'p', stroke: 'black', className: 'gmm-density'}),
          ...mixture.means.map((m, k) =>
            Plot.ruleX([m[0]], {stroke: 'black', strokeDasharray: '3,3', className: `gmm-ellipse gmm-ellipse-${k}`}),
          ),
        ],
      }) as unknown as Element,
    );
  }
  const projected = projectTo2D(x, mixture, seed);
  const points = projected.points.map((p, n) => ({u: p[0], v: p[1], component: colour(labels[n])}));
  const ellipseMarks = projected.mixture.means.map((m, k) => {
    const rings = [1, 2].flatMap((r) =>
      ellipsePoints(m, projected.mixture.covariances[k], r).map((p) => ({u: p[0], v: p[1], sigma: `${r} sigma`})),
    );
    return Plot.line(rings, {
      x: 'u',
      y: 'v',
      z: 'sigma',
      stroke: 'black',
      strokeWidth: 1.2,
      className: `gmm-ellipse gmm-ellipse-${k}`,
    });
  });
  // Components are labelled next to their means (Plot's legend would wrap the SVG in HTML).
  const meanLabels = projected.mixture.means.map((m, k) => ({
    u: m[0],
    v: m[1],
    text: `${k} (${(100 * mixture.weights[k]).toFixed(0)}%)`,
    component: colour(k),
  }));
  return serialise(
    Plot.plot({
      document,
      width: 720,
      height: 560,
      marginTop: 40,
      grid: true,
      x: {label: projected.axes[0]},
      y: {label: projected.axes[1]},
      color: {type: 'categorical', domain: Array.from({length: K}, (_, k) => colour(k))},
      marks: [
        titleMark(Plot, title),
        Plot.dot(points, {x: 'u', y: 'v', fill: 'component', r: 1.8, fillOpacity: 0.6}),
        ...ellipseMarks,
        Plot.dot(
          projected.mixture.means.map((m) => ({u: m[0], v: m[1]})),
          {x: 'u', y: 'v', symbol: 'cross', r: 7, stroke: 'black', strokeWidth: 2, className: 'gmm-means'},
        ),
        Plot.text(meanLabels, {
          x: 'u',
          y: 'v',
          text: 'text',
          dx: 10,
          dy: -10,
          textAnchor: 'start',
          fontWeight: 'bold',
          fill: 'component',
          stroke: 'white',
          strokeWidth: 3,
          paintOrder: 'stroke',
        }),
      ],
    }) as unknown as Element,
  );
}

/** SVG of a loss (or lower bound) curve. */
export function lossFigure(values: number[], label: string, title: string): string {
  const {Plot, document} = plotting();
  const data = values.map((value, i) => ({iteration: i + 1, value}));
  return serialise(
    Plot.plot({
      document,
      width: 720,
      height: 360,
      marginTop: 40,
      grid: true,
      x: {label: 'iteration'},
      y: {label},
      marks: [
        titleMark(Plot, title),
        Plot.line(data, {x: 'iteration', y: 'value', stroke: 'steelblue', className: 'gmm-loss'}),
      ],
    }) as unknown as Element,
  );
}

/** Writes an SVG figure, or a PNG rendering of it when `file` ends in .png. */
export function writeFigure(file: string, svg: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), {recursive: true});
  if (file.toLowerCase().endsWith('.png')) {
    const {Resvg} = requireOptional<typeof import('@resvg/resvg-js')>('@resvg/resvg-js', '--visualize with .png');
    writeFileAtomically(
      file,
      new Resvg(svg, {fitTo: {mode: 'width', value: 1440}, font: {loadSystemFonts: true}}).render().asPng(),
    );
  } else {
    writeFileAtomically(file, svg);
  }
}

/** `out.svg` -> `out.loss.svg`. */
export function lossFigurePath(file: string): string {
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}.loss${ext}`;
}
