/**
 * A consumer project, as a new user makes one: the package packed with `npm pack` and installed
 * into an empty directory by the `npm install` lines of the README's Install section (the packed
 * tarball for `tfjs-gmm`, the other packages at the versions of this repository's install, from
 * npm's cache). Made once per test process and shared by the suites that need it; removed when
 * the process exits.
 */
import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '../..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** One entry of package-lock.json's `packages`. */
export interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

export interface ConsumerProject {
  /** The project directory (node_modules inside). */
  dir: string;
  /** The `npm install` lines of the README's Install section, as written. */
  installLines: string[];
  /** package-lock.json's `packages` right after the first install line (the library's install). */
  libraryInstall: Record<string, LockEntry>;
  /** Bytes under node_modules right after the first install line. */
  libraryInstallBytes: number;
}

/** Runs a command, failing with its output. */
export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {...process.env, npm_config_update_notifier: 'false', ...env},
    });
  } catch (e) {
    const err = e as {stdout?: string; stderr?: string; message: string};
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

/** Bytes of the files below `dir` (symbolic links not followed). */
export function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, {withFileTypes: true})) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) total += directoryBytes(file);
    else if (entry.isFile()) total += fs.statSync(file).size;
  }
  return total;
}

/** The `npm install ...` lines of the first sh block of the README's `## Install` section. */
export function readmeInstallLines(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Install\n'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1];
  return block
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line.startsWith('npm install '));
}

/** The version of a package in this repository's install. */
function installedVersion(name: string): string {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
}

let cached: ConsumerProject | null = null;

/** The shared consumer project (made on the first call: pack and install take a minute or two). */
export function consumerProject(): ConsumerProject {
  if (cached) return cached;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-gmm-consumer-'));
  process.on('exit', () => fs.rmSync(dir, {recursive: true, force: true}));
  const tarball = run(NPM, ['pack', '--silent', '--pack-destination', dir], ROOT).trim().split('\n').pop()!;
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({name: 'consumer', version: '1.0.0', private: true}));
  const installLines = readmeInstallLines();
  if (installLines.length === 0) throw new Error('README.md: the Install section has no npm install line');
  let libraryInstall: Record<string, LockEntry> | null = null;
  let libraryInstallBytes = 0;
  for (const line of installLines) {
    const words = line.split(/\s+/).slice(2);
    const args = words.map((word) => {
      if (word.startsWith('-')) return word;
      if (word === 'tfjs-gmm') return `./${tarball}`;
      return `${word}@${installedVersion(word)}`;
    });
    // --prefer-offline: these packages are in npm's cache after the repository's own install.
    run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', ...args], dir);
    if (libraryInstall === null) {
      libraryInstall = JSON.parse(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8')).packages;
      libraryInstallBytes = directoryBytes(path.join(dir, 'node_modules'));
    }
  }
  cached = {dir, installLines, libraryInstall: libraryInstall!, libraryInstallBytes};
  return cached;
}
