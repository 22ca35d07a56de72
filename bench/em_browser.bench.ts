/**
 * `--only em-browser` (opt-in): GaussianMixture.fitAsync in headless Chromium with workers = 1
 * (in-thread) and 2 (Web Workers), on a cross-origin isolated page (shared memory). Milliseconds
 * per iteration (median time between iterations, first excluded) at N = 100,000, D = 16, K = 16
 * (cpu: N = 10,000), full and diag, same data and start; the row's baseline is the 1-worker time
 * of the same run. Without Chromium the section says so and returns no rows.
 */
import {buildBrowserBundle, findChromium, launchBrowser, startServer} from '../test/browser/harness';
import {BenchRow} from './harness';

export async function benchEmBrowser(backend: string): Promise<BenchRow[]> {
  if (!findChromium().path) {
    console.log('  em-browser: no Chromium found (see test/browser/harness.ts): skipped');
    return [];
  }
  const N = backend === 'cpu' ? 10000 : 100000;
  const D = 16;
  const K = 16;
  const iterations = backend === 'cpu' ? 4 : 8;
  buildBrowserBundle();
  const server = await startServer({crossOriginIsolated: true});
  const browser = await launchBrowser();
  const rows: BenchRow[] = [];
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/bench/pages/em_browser.html`);
    await page.waitForFunction('window.ready === true');
    for (const covarianceType of ['full', 'diag']) {
      const {ms, threaded} = (await page.evaluate(
        (args: unknown) => (window as unknown as {timeFits: (a: unknown) => Promise<unknown>}).timeFits(args),
        {backend, N, D, K, covarianceType, iterations, workerCounts: [1, 2]},
      )) as {ms: Record<number, number>; threaded: boolean};
      rows.push({
        backend,
        case: `browser fitAsync iteration, ${covarianceType}, N=${N} D=${D} K=${K}: 2 Web Workers`,
        oursMs: ms[2],
        baselineMs: ms[1],
        baseline: `workers=1 (in-thread, same page${threaded ? ', wasm multithreaded' : ''})`,
      });
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return rows;
}
