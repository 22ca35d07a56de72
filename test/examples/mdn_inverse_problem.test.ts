import {expect} from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {
  branchesAt,
  buildMdn,
  heldOutNLL,
  inverseProblemData,
  modeT,
  sampleT,
  trainMdn,
  writePlot,
} from '../../examples/mdn_inverse_problem';
import {describeOnBackends} from '../helpers/backends';

describeOnBackends("example: mixture-density network on Bishop's inverse problem", () => {
  const train = inverseProblemData(300, 1);
  const test = inverseProblemData(2000, 2);

  it('K = 5 beats the single Gaussian (K = 1) of the same net on held-out NLL, and its samples cover all three branches', async () => {
    const nll: Record<number, number> = {};
    const nets = [1, 5].map((K) => buildMdn({nComponents: K}));
    for (const [i, K] of [1, 5].entries()) {
      await trainMdn(nets[i].model, nets[i].head, train, {epochs: 300, learningRate: 0.02});
      nll[K] = heldOutNLL(nets[i].model, nets[i].head, test);
    }
    // A single Gaussian can at best spread over the three branches; the mixture puts mass on each.
    // Measured ~0.64 (K = 1) vs ~0.2 (K = 5) nats per point; 2,000 held-out points give a
    // standard error of the difference well below 0.05.
    expect(nll[5], `held-out NLL K=5 ${nll[5]} vs K=1 ${nll[1]}`).to.be.below(nll[1] - 0.3);

    const {model, head} = nets[1];
    for (const x of [0.45, 0.5, 0.55]) {
      const branches = branchesAt(x);
      expect(branches, `x = ${x} lies in the three-branch region`).to.have.length(3);
      const samples = sampleT(model, head, [x], 1000, 11)[0];
      const near = branches.map((b) => samples.filter((t) => Math.abs(t - b) < 0.1).length / samples.length);
      // p(branch | x) is proportional to 1 / |dx/dt| there: 0.2-0.5 per branch. Each branch must
      // receive a real share of the samples, and most samples must lie on some branch.
      near.forEach((share, i) =>
        expect(share, `x = ${x}: share of samples within 0.1 of branch t = ${branches[i].toFixed(3)}`).to.be.above(0.1),
      );
      const onSomeBranch = samples.filter((t) => branches.some((b) => Math.abs(t - b) < 0.15)).length / samples.length;
      expect(onSomeBranch, `x = ${x}: share of samples within 0.15 of a branch`).to.be.above(0.9);
    }
    // Outside the three-branch region the curve has one branch, and the mode follows it.
    const single = [0.15, 0.3, 0.7, 0.85];
    const modes = modeT(model, head, single);
    single.forEach((x, i) => expect(Math.abs(modes[i] - branchesAt(x)[0]), `mode at x = ${x}`).to.be.below(0.05));
    nets.forEach((n) => n.model.dispose());
  });

  it('writes an SVG plot of the data, the samples and the mode', async () => {
    const {model, head} = buildMdn({nComponents: 3});
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-gmm-mdn-plot-'));
    try {
      const grid = [0.2, 0.5, 0.8];
      const file = writePlot(
        path.join(dir, 'nested', 'plot.svg'),
        train,
        {x: grid, t: sampleT(model, head, grid, 5, 1)},
        {x: grid, t: modeT(model, head, grid)},
      );
      const svg = fs.readFileSync(file, 'utf8');
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).to.equal(true);
      expect(svg.trim().endsWith('</svg>')).to.equal(true);
      expect(svg).to.contain('training data').and.contain('samples of t').and.contain('mode');
      // Every point in range is drawn: 300 data points, up to 15 samples, 3 modes, 3 legend dots.
      const circles = (svg.match(/<circle /g) ?? []).length;
      expect(circles).to.be.within(300 + 3, 300 + 15 + 3 + 3);
    } finally {
      fs.rmSync(dir, {recursive: true, force: true});
      model.dispose();
    }
  });
});
