/**
 * SVG drawing for the demo: the scatter plot (points coloured by component, 1- and 2-sigma
 * ellipses, means) and the loss curve. Plain DOM, no plotting library.
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

/** One colour per component (Tableau 10); the page allows at most this many components. */
export const COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

/** Creates an SVG element with attributes, appended to `parent` when given. */
function el(tag, attributes = {}, parent = null) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (parent) parent.appendChild(node);
  return node;
}

/** Rounds screen coordinates for compact SVG markup. */
const r2 = (v) => Math.round(v * 100) / 100;

/**
 * Points of the ellipse {x : (x - mean)^T covariance^-1 (x - mean) = radius^2}, in data units:
 * the eigenvectors of the 2 x 2 covariance give the axes, the square roots of its eigenvalues
 * their half-lengths at radius 1.
 */
function ellipsePoints(mean, [[a, b], [, c]], radius, segments = 72) {
  const middle = (a + c) / 2;
  const spread = Math.hypot((a - c) / 2, b);
  const major = Math.sqrt(middle + spread);
  const minor = Math.sqrt(Math.max(middle - spread, 0));
  const angle = Math.atan2(2 * b, a - c) / 2;
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  return Array.from({length: segments}, (_, i) => {
    const t = (2 * Math.PI * i) / segments;
    const u = radius * major * Math.cos(t);
    const v = radius * minor * Math.sin(t);
    return [mean[0] + cos * u - sin * v, mean[1] + sin * u + cos * v];
  });
}

/** The scatter plot: maps between data and screen coordinates and draws points and mixtures. */
export class ScatterPlot {
  /**
   * @param svg the `<svg>` element; its viewBox sets the drawing size, `data-x-domain` and
   *   `data-y-domain` ("min max") the data range shown.
   */
  constructor(svg) {
    this.svg = svg;
    const [, , width, height] = svg.getAttribute('viewBox').split(/\s+/).map(Number);
    this.width = width;
    this.height = height;
    this.xDomain = svg.dataset.xDomain.split(/\s+/).map(Number);
    this.yDomain = svg.dataset.yDomain.split(/\s+/).map(Number);
    this.grid = el('g', {class: 'grid'}, svg);
    this.ellipses = el('g', {class: 'ellipses'}, svg);
    this.dots = el('g', {class: 'points'}, svg);
    this.centers = el('g', {class: 'means'}, svg);
    this.drawGrid();
  }

  /** Screen (viewBox) coordinates of a data point; y grows downwards on screen. */
  toScreen([x, y]) {
    const [x0, x1] = this.xDomain;
    const [y0, y1] = this.yDomain;
    return [((x - x0) / (x1 - x0)) * this.width, ((y1 - y) / (y1 - y0)) * this.height];
  }

  /**
   * Data coordinates of a mouse event on the plot, through the SVG's screen transform (which
   * accounts for the border, CSS scaling and the viewBox).
   */
  eventToData(event) {
    const {x: sx, y: sy} = new DOMPoint(event.clientX, event.clientY).matrixTransform(
      this.svg.getScreenCTM().inverse(),
    );
    const [x0, x1] = this.xDomain;
    const [y0, y1] = this.yDomain;
    return [x0 + (sx / this.width) * (x1 - x0), y1 - (sy / this.height) * (y1 - y0)];
  }

  /** Grid lines at every integer and the two axes. */
  drawGrid() {
    const [x0, x1] = this.xDomain;
    const [y0, y1] = this.yDomain;
    for (let x = Math.ceil(x0); x <= x1; x++) {
      const [sx] = this.toScreen([x, 0]);
      el('line', {x1: r2(sx), x2: r2(sx), y1: 0, y2: this.height, class: x === 0 ? 'axis' : ''}, this.grid);
      if (x !== 0 && x !== x0 && x !== x1)
        el('text', {x: r2(sx), y: this.toScreen([0, 0])[1] + 14, 'text-anchor': 'middle'}, this.grid).textContent =
          String(x);
    }
    for (let y = Math.ceil(y0); y <= y1; y++) {
      const [, sy] = this.toScreen([0, y]);
      el('line', {x1: 0, x2: this.width, y1: r2(sy), y2: r2(sy), class: y === 0 ? 'axis' : ''}, this.grid);
      if (y !== 0 && y !== y0 && y !== y1)
        el('text', {x: this.toScreen([0, 0])[0] - 6, y: r2(sy) + 4, 'text-anchor': 'end'}, this.grid).textContent =
          String(y);
    }
  }

  /**
   * Redraws the points (coloured by `labels` when given, grey otherwise) and, when given, the
   * mixture: a filled 1-sigma and a dashed 2-sigma ellipse and a marker at the mean of every
   * component, more opaque for heavier components.
   */
  draw(points, labels = null, mixture = null) {
    this.ellipses.replaceChildren();
    this.dots.replaceChildren();
    this.centers.replaceChildren();
    points.forEach((p, i) => {
      const [sx, sy] = this.toScreen(p);
      el(
        'circle',
        {cx: r2(sx), cy: r2(sy), r: 3.5, fill: labels ? COLORS[labels[i] % COLORS.length] : '#888'},
        this.dots,
      );
    });
    if (!mixture) return;
    const heaviest = Math.max(...mixture.weights);
    mixture.means.forEach((mean, k) => {
      const color = COLORS[k % COLORS.length];
      const opacity = 0.35 + 0.65 * (mixture.weights[k] / heaviest);
      for (const radius of [1, 2]) {
        const path = ellipsePoints(mean, mixture.covariances[k], radius).map((p) => this.toScreen(p).map(r2).join(','));
        el(
          'polygon',
          {points: path.join(' '), class: radius === 1 ? 'sigma1' : 'sigma2', stroke: color, fill: color, opacity},
          this.ellipses,
        );
      }
      const [sx, sy] = this.toScreen(mean);
      el(
        'path',
        {d: `M${r2(sx - 7)},${r2(sy)}h14M${r2(sx)},${r2(sy - 7)}v14`, stroke: color, class: 'mean'},
        this.centers,
      );
    });
  }
}

/**
 * Draws `losses` (one value per EM iteration or Adam step) as a line in the `<svg>` `svg`, with
 * its first and last values and the range of the y axis.
 */
export function drawLossCurve(svg, losses, xLabel) {
  svg.replaceChildren();
  const [, , width, height] = svg.getAttribute('viewBox').split(/\s+/).map(Number);
  const margin = {left: 56, right: 10, top: 18, bottom: 22};
  el('text', {x: margin.left, y: 12, class: 'title'}, svg).textContent = 'mean negative log-likelihood';
  el('text', {x: width - margin.right, y: height - 6, 'text-anchor': 'end'}, svg).textContent = xLabel;
  el(
    'rect',
    {
      x: margin.left,
      y: margin.top,
      width: width - margin.left - margin.right,
      height: height - margin.top - margin.bottom,
      class: 'frame',
    },
    svg,
  );
  const values = losses.filter(Number.isFinite);
  if (values.length === 0) return;
  // A constant curve is drawn across the middle of a small range around its value.
  const pad = Math.min(...values) === Math.max(...values) ? Math.max(Math.abs(values[0]), 1) * 1e-3 : 0;
  const lo = Math.min(...values) - pad;
  const hi = Math.max(...values) + pad;
  const span = hi - lo;
  const sx = (i) =>
    margin.left + (losses.length === 1 ? 0 : (i / (losses.length - 1)) * (width - margin.left - margin.right));
  const sy = (v) => margin.top + ((hi - v) / span) * (height - margin.top - margin.bottom);
  const points = losses.flatMap((v, i) => (Number.isFinite(v) ? [`${r2(sx(i))},${r2(sy(v))}`] : []));
  el('polyline', {points: points.join(' '), class: 'loss'}, svg);
  // Enough decimals to tell the two ends of the axis apart.
  const digits = Math.min(6, Math.max(1, Math.ceil(-Math.log10(span)) + 1));
  el('text', {x: margin.left - 4, y: margin.top + 4, 'text-anchor': 'end'}, svg).textContent = hi.toFixed(digits);
  el('text', {x: margin.left - 4, y: height - margin.bottom, 'text-anchor': 'end'}, svg).textContent =
    lo.toFixed(digits);
  el('text', {x: margin.left, y: height - 6}, svg).textContent =
    `${losses.length} ${losses.length === 1 ? 'value' : 'values'}, last ${losses[losses.length - 1].toFixed(4)}`;
}
