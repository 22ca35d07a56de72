/**
 * The CLI's streamed --input: the CSV read in blocks by the CLI's CSV rules (block boundaries,
 * line numbers of errors past the first block, headers), the float32 file format, and a fit of
 * both formats of the same data giving the same model.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {run} from '../../src/cli/main';
import {STREAM_BATCH_ROWS, csvSource, f32Source} from '../../src/cli/stream_input';
import {GaussianMixtureJSON} from '../../src';
import {expectClose} from '../helpers/assertions';

async function collect(source: ReturnType<typeof csvSource>): Promise<number[][]> {
  const rows: number[][] = [];
  for await (const batch of (source as () => AsyncIterable<number[][] | tf.Tensor>)())
    rows.push(...(batch instanceof tf.Tensor ? (batch.arraySync() as number[][]) : batch));
  return rows;
}

function capture() {
  let text = '';
  return {stream: {write: (t: string) => (text += t)}, text: () => text};
}

describe('CLI streamed --input', function () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-gmm-stream-'));
  const N = STREAM_BATCH_ROWS + 100; // two blocks
  const rows = Array.from({length: N}, (_, n) => [(n % 7) - 3 + (n % 2 ? 10 : 0), ((n * 13) % 11) / 4]);
  const csv = path.join(dir, 'data.csv');
  fs.writeFileSync(csv, ['x,y', ...rows.map((r) => r.join(','))].join('\n') + '\n');
  const headerless = path.join(dir, 'headerless.csv');
  fs.writeFileSync(headerless, rows.map((r) => r.join(',')).join('\n'));
  const f32 = path.join(dir, 'data.f32');
  fs.writeFileSync(f32, Buffer.from(Float32Array.from(rows.flat()).buffer));

  before(async () => {
    await tf.setBackend('cpu');
  });
  after(() => fs.rmSync(dir, {recursive: true, force: true}));

  it('reads every row of a CSV across block boundaries, with and without a header', async () => {
    expect(await collect(csvSource(csv))).to.deep.equal(rows);
    expect(await collect(csvSource(headerless))).to.deep.equal(rows);
  });

  it('reads a float32 file; a size that is not whole rows is refused', async () => {
    const read = await collect(f32Source(f32, 2));
    expect(read).to.deep.equal(rows.map((r) => r.map(Math.fround)));
    expect(() => f32Source(f32, 3)).to.throw(`${N * 8} bytes`, 'not a whole number of rows of --dims 3');
  });

  it('a bad line in a later block is reported with its line number in the file', async () => {
    const bad = path.join(dir, 'bad.csv');
    const lines = ['x,y', ...rows.map((r) => r.join(','))];
    lines[STREAM_BATCH_ROWS + 10] = '1,oops';
    fs.writeFileSync(bad, lines.join('\n'));
    let message = '';
    try {
      await collect(csvSource(bad));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).to.contain(`line ${STREAM_BATCH_ROWS + 11}, column 2 (y)`);
  });

  it('a streamed fit of the CSV and of the float32 file give the same model', async function () {
    this.timeout(300000);
    const fitOf = async (args: string[], out: string) => {
      const stdout = capture();
      const stderr = capture();
      const code = await run([...args, '--components', '2', '--backend', 'cpu', '--quiet', '--output', out], {
        stdout: stdout.stream,
        stderr: stderr.stream,
      });
      expect(code, stderr.text()).to.equal(0);
      return JSON.parse(fs.readFileSync(out, 'utf8')) as GaussianMixtureJSON;
    };
    const fromCsv = await fitOf(['--input', csv], path.join(dir, 'a.json'));
    const fromF32 = await fitOf(['--input', f32, '--input-format', 'f32', '--dims', '2'], path.join(dir, 'b.json'));
    // The CSV's values are float64 decimals rounded to float32 when read; the file holds the same
    // float32 values. The two readers batch differently, so the float32 sums differ in order: the
    // means (saved in float64) agree to float32's resolution.
    expectClose(fromF32.fitted!.means, fromCsv.fitted!.means, {rtol: 1e-6, atol: 1e-6, label: 'means'});
    expect(fromF32.fitted!.nIter).to.equal(fromCsv.fitted!.nIter);
  });

  it('usage errors: f32 without --dims, with --predict, --input-format without --input', async () => {
    for (const [args, fragment] of [
      [['--input', f32, '--input-format', 'f32'], '--input-format f32 needs --dims'],
      [
        ['--input', f32, '--input-format', 'f32', '--dims', '2', '--predict', 'p.csv'],
        '--predict cannot be used with --input-format f32',
      ],
      [['--input-format', 'f32'], '--input-format needs --input'],
    ] as const) {
      const stderr = capture();
      expect(await run(args, {stdout: capture().stream, stderr: stderr.stream})).to.equal(2);
      expect(stderr.text()).to.contain(fragment);
    }
  });
});
