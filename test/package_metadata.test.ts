/**
 * package.json tells the truth about what the package needs: no runtime dependencies (tfjs is a
 * peer; what only the CLI loads is an optional peer and a devDependency), every package the
 * shipped sources import is declared as a peer, and `engines` admits no Node version that a
 * package of the installed tree rejects.
 */
import {expect} from 'chai';
import * as fs from 'fs';
import {builtinModules} from 'module';
import * as path from 'path';
import * as semver from 'semver';

const ROOT = path.resolve(__dirname, '..');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** The package name of an import specifier (`@scope/name/deep` -> `@scope/name`). */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Every non-relative module the shipped sources (src, ops, layers) import or require. */
function importedPackages(): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, {withFileTypes: true})) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.ts')) {
        const text = fs.readFileSync(file, 'utf8');
        for (const m of text.matchAll(
          /(?:\bfrom|^import|(?<![.\w])require\(|\bimport\(|\brequireOptional<[^>]*>\()\s*(['"])([^'"]+)\1/gm,
        )) {
          const specifier = m[2];
          if (specifier.startsWith('.')) continue;
          found.set(packageOf(specifier), path.relative(ROOT, file));
        }
      }
    }
  };
  for (const dir of ['src', 'ops', 'layers']) walk(path.join(ROOT, dir));
  return found;
}

describe('package.json', () => {
  it('has no runtime dependencies; optional peers are devDependencies too', () => {
    expect(manifest.dependencies ?? {}).to.deep.equal({});
    const peers = manifest.peerDependencies as Record<string, string>;
    const optional = Object.keys(manifest.peerDependenciesMeta).filter(
      (name) => manifest.peerDependenciesMeta[name].optional,
    );
    expect(
      Object.keys(peers)
        .filter((name) => !optional.includes(name))
        .sort(),
    ).to.deep.equal(['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers']);
    for (const name of Object.keys(peers)) expect(manifest.devDependencies[name], name).to.equal(peers[name]);
  });

  it('declares every package the shipped sources load as a peer (the CLI optional ones as optional peers)', () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const imported = importedPackages();
    expect(imported.size, 'the scan finds the tfjs imports').to.be.at.least(3);
    for (const [name, file] of imported) {
      if (builtins.has(name)) continue;
      expect(manifest.peerDependencies, `${name} (imported by ${file})`).to.have.property(name);
      if (!file.startsWith('src/cli/') && !['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers'].includes(name))
        expect.fail(`${file} imports ${name}, which is an optional peer: only the CLI may load it`);
    }
  });

  it('lists as optional peers exactly what the CLI loads on demand', () => {
    const cli = ['optional.ts', 'plot.ts']
      .map((f) => fs.readFileSync(path.join(ROOT, 'src/cli', f), 'utf8'))
      .join('\n');
    const optional = Object.keys(manifest.peerDependenciesMeta);
    for (const name of optional) expect(cli, name).to.contain(`'${name}'`);
    const named = [...cli.matchAll(/'(@[a-z0-9-]+\/[a-z0-9-]+|jsdom)'/g)].map((m) => m[1]);
    expect([...new Set(named)].sort()).to.deep.equal([...optional].sort());
  });

  it('engines admits only Node versions that every package of the installed tree accepts', () => {
    const ours = manifest.engines.node as string;
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
    const narrower: string[] = [];
    let checked = 0;
    for (const location of Object.keys(lock.packages)) {
      if (location === '') continue;
      const file = path.join(ROOT, location, 'package.json');
      if (!fs.existsSync(file)) continue; // optional packages for other platforms
      const range = JSON.parse(fs.readFileSync(file, 'utf8')).engines?.node;
      if (typeof range !== 'string') continue;
      checked++;
      if (!semver.subset(ours, range)) narrower.push(`${location}: ${range}`);
    }
    expect(checked).to.be.greaterThan(100);
    expect(narrower, `engines.node ${ours} admits versions these reject`).to.deep.equal([]);
    // ... and it is no narrower than it must be: the tightest range of the tree (jsdom's).
    expect(semver.satisfies('20.19.0', ours) && !semver.satisfies('20.18.9', ours)).to.equal(true);
    expect(semver.satisfies(process.version, ours), `this Node (${process.version})`).to.equal(true);
  });
});
