/**
 * The demo page: points added by clicks or loaded from a preset, a mixture fitted live by EM or
 * by gradient descent, redrawn after every iteration (EM) or every few Adam steps.
 *
 * For tests and curious users, `window.demo` exposes the points, the last fit's result and the
 * number of live tensors; `#loglik` carries the final mean log-likelihood in `data-value` and
 * `document.body.dataset.runs` counts the finished fits.
 */
import * as tf from '@tensorflow/tfjs';

import {PRESETS} from './datasets.js';
import {EM_OPTIONS, GD_OPTIONS, chooseBackend, fitEM, fitGD} from './fitting.js';
import {COLORS, ScatterPlot, drawLossCurve} from './plot.js';

const $ = (id) => document.getElementById(id);

const plot = new ScatterPlot($('plot'));
const state = {
  points: [],
  labels: null,
  mixture: null,
  backend: null,
  fitting: false,
  stopRequested: false,
  lastFit: null,
  runs: 0,
};

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

/**
 * Shows an error in the banner and, unless the browser already did (uncaught errors), in the
 * console, where developers and tests look.
 */
function showError(error, {log = true} = {}) {
  const message = error instanceof Error ? error.message : String(error);
  $('error-message').textContent = message;
  $('error').hidden = false;
  if (log) console.error(error);
}

function setStatus(text) {
  $('status').textContent = text;
}

function redraw() {
  plot.draw(state.points, state.labels, state.mixture);
  $('point-count').textContent = `${state.points.length} ${state.points.length === 1 ? 'point' : 'points'}`;
}

/** Forgets the fitted mixture and its outputs (the points changed wholesale). */
function resetFit() {
  state.labels = null;
  state.mixture = null;
  drawLossCurve($('loss'), [], '');
  const loglik = $('loglik');
  loglik.textContent = '–';
  delete loglik.dataset.value;
  $('fit-summary').textContent = '';
}

/** The model settings, or null (with a message) when K is not usable. */
function readSettings() {
  const nComponents = Number($('k').value);
  if (!Number.isInteger(nComponents) || nComponents < 1 || nComponents > COLORS.length) {
    setStatus(`K must be a whole number from 1 to ${COLORS.length}, but it is "${$('k').value}".`);
    return null;
  }
  if (state.points.length < nComponents) {
    setStatus(
      `Add at least K = ${nComponents} points before fitting (there ${state.points.length === 1 ? 'is' : 'are'} ${state.points.length}).`,
    );
    return null;
  }
  return {nComponents, covarianceType: $('covariance').value, method: $('method').value};
}

function setFitting(fitting) {
  state.fitting = fitting;
  document.body.classList.toggle('fitting', fitting);
  for (const id of ['fit', 'clear', 'load-preset', 'preset', 'k', 'covariance', 'method']) $(id).disabled = fitting;
  $('stop').disabled = !fitting;
}

/**
 * Runs one fit: asks the generator for a snapshot, draws it, waits for the next animation frame
 * (so the browser repaints), and so on until the fit ends or Stop is pressed.
 */
async function runFit() {
  const settings = readSettings();
  if (!settings) return;
  const {method, nComponents, covarianceType} = settings;
  const points = state.points.map((p) => p.slice());
  resetFit();
  $('error').hidden = true;
  setFitting(true);
  state.stopRequested = false;
  const losses = [];
  const lowerBounds = [];
  let last = null;
  let stopped = false;
  try {
    const run =
      method === 'em' ? fitEM(points, {nComponents, covarianceType}) : fitGD(points, {nComponents, covarianceType});
    for await (const snapshot of run) {
      last = snapshot;
      if (method === 'em') {
        lowerBounds.push(snapshot.lowerBound);
        losses.push(-snapshot.lowerBound);
        setStatus(`EM iteration ${snapshot.iteration}: lower bound ${snapshot.lowerBound.toFixed(5)}`);
      } else {
        losses.push(...snapshot.losses);
        setStatus(
          `Adam step ${snapshot.step} of ${GD_OPTIONS.steps}: mean NLL ${(-snapshot.logLikelihood).toFixed(5)}`,
        );
      }
      state.labels = snapshot.labels;
      state.mixture = snapshot.mixture;
      redraw();
      drawLossCurve($('loss'), losses, method === 'em' ? 'EM iteration' : 'Adam step');
      await nextFrame();
      if (state.stopRequested) {
        stopped = true;
        break;
      }
    }
    const iterations = method === 'em' ? last.iteration : last.step;
    const converged = method === 'em' ? last.converged : null;
    state.lastFit = {
      method,
      nComponents,
      covarianceType,
      options: method === 'em' ? EM_OPTIONS : GD_OPTIONS,
      backend: state.backend,
      points,
      iterations,
      converged,
      stopped,
      losses,
      lowerBounds,
      logLikelihood: last.logLikelihood,
      mixture: last.mixture,
    };
    const loglik = $('loglik');
    loglik.textContent = last.logLikelihood.toFixed(6);
    loglik.dataset.value = String(last.logLikelihood);
    const summary =
      method === 'em'
        ? `EM ${stopped ? 'stopped' : converged ? 'converged' : `did not converge (tol ${EM_OPTIONS.tol})`} after ${iterations} iteration${iterations === 1 ? '' : 's'}`
        : `gradient descent ${stopped ? 'stopped' : 'finished'} after ${iterations} Adam steps`;
    $('fit-summary').textContent =
      `${summary}, ${nComponents} ${covarianceType} component${nComponents === 1 ? '' : 's'}, ${points.length} points`;
    setStatus('Done. Click to add points, or fit again.');
  } catch (error) {
    showError(error);
    setStatus('The fit failed (see the message above).');
  } finally {
    setFitting(false);
    state.runs += 1;
    document.body.dataset.runs = String(state.runs);
  }
}

function addPoint(event) {
  if (state.fitting) return;
  const [x, y] = plot.eventToData(event);
  state.points.push([x, y]);
  redraw();
  setStatus(`Added (${x.toFixed(2)}, ${y.toFixed(2)}).`);
}

function loadPreset() {
  const preset = PRESETS[$('preset').value];
  if (!preset) {
    setStatus('Choose a preset data set first.');
    return;
  }
  state.points = preset.points();
  $('k').value = String(preset.nComponents);
  resetFit();
  redraw();
  setStatus(`Loaded "${preset.label}" (K set to ${preset.nComponents}). Press Fit.`);
}

function clearAll() {
  state.points = [];
  resetFit();
  redraw();
  setStatus('Cleared. Click in the plot to add points.');
}

async function main() {
  window.demo = {
    ready: false,
    /** The points in data coordinates. */
    points: () => state.points.map((p) => p.slice()),
    /** The last finished fit: settings, options, points, losses, final log-likelihood, mixture. */
    lastFit: () => (state.lastFit ? structuredClone(state.lastFit) : null),
    /** Live tensors: constant between fits when nothing leaks. */
    numTensors: () => tf.memory().numTensors,
  };
  window.addEventListener('error', (event) => showError(event.error ?? event.message, {log: false}));
  window.addEventListener('unhandledrejection', (event) => showError(event.reason, {log: false}));
  $('error-close').addEventListener('click', () => {
    $('error').hidden = true;
  });

  for (const [key, preset] of Object.entries(PRESETS)) {
    const option = document.createElement('option');
    option.value = key;
    option.textContent = `${preset.label} (K = ${preset.nComponents})`;
    $('preset').appendChild(option);
  }
  $('plot').addEventListener('click', addPoint);
  $('load-preset').addEventListener('click', loadPreset);
  $('clear').addEventListener('click', clearAll);
  $('fit').addEventListener('click', runFit);
  $('stop').addEventListener('click', () => {
    state.stopRequested = true;
  });
  redraw();
  resetFit();

  setStatus('Starting tfjs…');
  const backend = await chooseBackend();
  state.backend = backend.name;
  $('backend').textContent = backend.description;
  $('backend').dataset.backend = backend.name;
  setFitting(false);
  setStatus('Click in the plot to add points, or load a preset; then press Fit.');
  window.demo.ready = true;
}

main().catch((error) => {
  showError(error);
  setStatus('The demo could not start.');
});
