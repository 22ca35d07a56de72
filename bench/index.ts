/**
 * `npm run bench`: every benchmark, on wasm then cpu, with each backend's large-matMul speed
 * measured in the same run. Options: `--backend wasm|cpu` (repeatable), `--only <section>`
 * (repeatable; opt-in sections such as `em-large` run only when named).
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';

import {benchEm, benchEmLarge} from './em.bench';
import {benchEmBrowser} from './em_browser.bench';
import {benchEmScale} from './em_scale.bench';
import {benchEmStream} from './em_stream.bench';
import {BenchRow, TimingOptions, describeRow, markdownTable, matMulGflops} from './harness';
import {benchLayer} from './layer.bench';
import {benchMdn} from './mdn.bench';
import {benchOps} from './ops.bench';

type Section = (backend: string, matMulGflops: number, timing: TimingOptions) => BenchRow[] | Promise<BenchRow[]>;

const SECTIONS: Record<string, Section> = {
  ops: benchOps,
  layer: benchLayer,
  mdn: benchMdn,
  em: benchEm,
  'em-large': benchEmLarge,
  'em-scale': benchEmScale,
  'em-stream': benchEmStream,
  'em-browser': benchEmBrowser,
};

/** Sections that run only when named with --only (minutes long). */
const OPT_IN = new Set(['em-large', 'em-scale', 'em-stream', 'em-browser']);

function parseArgs(argv: string[]): {backends: string[]; only: string[]} {
  const backends: string[] = [];
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--backend' && value) {
      backends.push(value);
      i++;
    } else if (flag === '--only' && value) {
      only.push(value);
      i++;
    } else {
      throw new Error(
        `bench: unknown argument ${flag}; use --backend wasm|cpu and --only ${Object.keys(SECTIONS).join('|')}`,
      );
    }
  }
  return {
    backends: backends.length ? backends : ['wasm', 'cpu'],
    only: only.length ? only : Object.keys(SECTIONS).filter((s) => !OPT_IN.has(s)),
  };
}

async function main(): Promise<void> {
  const {backends, only} = parseArgs(process.argv.slice(2));
  const rows: BenchRow[] = [];
  for (const backend of backends) {
    if (!(await tf.setBackend(backend))) throw new Error(`bench: backend ${backend} is not available`);
    await tf.ready();
    // The cpu backend is ~50x slower: fewer repetitions and a smaller reference matMul.
    const timing: TimingOptions =
      backend === 'cpu' ? {warmup: 1, minReps: 3, minMs: 0} : {warmup: 2, minReps: 5, minMs: 1500};
    const reference = matMulGflops(backend === 'cpu' ? 512 : 1024, timing);
    console.log(`${backend}: large matMul ${reference.toFixed(1)} GFLOP/s`);
    for (const name of only) {
      const section = SECTIONS[name];
      if (!section) throw new Error(`bench: unknown section ${name}; choose from ${Object.keys(SECTIONS).join(', ')}`);
      const sectionRows = await section(backend, reference, timing);
      for (const r of sectionRows) console.log(`  ${describeRow(r)}`);
      rows.push(...sectionRows);
    }
  }
  console.log('\n' + markdownTable(rows));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
