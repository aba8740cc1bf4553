// A tool the checks and tests run, built once from source with the Go toolchain into .tools/bin
// (gitignored) at a pinned version, so that `npm test` and `npm run deploy:check` need Go but no
// install of the tool itself.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = join(repo, '.tools/bin');

/**
 * The path of `name` built from `pkg@version` with `go install` when missing or at another version
 * (minutes, once). The build goes to a directory of its own and is renamed into place, so a run cut
 * off midway or a second run at the same time never sees half a binary.
 */
export function ensureGoTool({ name, label, pkg, version, log = (line) => console.log(line) }) {
  const binary = join(bin, name);
  // Which version the binary in .tools/bin is: a changed pin builds anew.
  const stamp = join(bin, `${name}.version`);
  if (existsSync(binary) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === version) {
    return binary;
  }
  const building = join(repo, '.tools', `build-${name}-${process.pid}`);
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const started = Date.now();
  log(`building ${label} ${version} (go install, once; several minutes) …`);
  try {
    execFileSync('go', ['install', `${pkg}@${version}`], {
      env: { ...process.env, GOBIN: building },
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    mkdirSync(bin, { recursive: true });
    renameSync(join(building, name), binary);
    writeFileSync(stamp, `${version}\n`);
  } catch (error) {
    const detail =
      error.code === 'ENOENT'
        ? 'the Go toolchain (`go`) is not installed'
        : String(error.stderr ?? error)
            .trim()
            .split('\n')
            .slice(-5)
            .join('\n');
    throw new Error(`cannot build ${label} ${version}: ${detail}`);
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  log(`${label} built in ${Math.round((Date.now() - started) / 1000)} s: ${binary}`);
  return binary;
}

/**
 * For `node scripts/tools/<tool>.mjs`: prints the binary's path (building it first when missing),
 * for callers that are not ES modules (the jest helpers); progress goes to stderr.
 */
export function printWhenRun(moduleUrl, ensure) {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(resolve(process.argv[1])).href) return;
  try {
    console.log(ensure({ log: (line) => console.error(line) }));
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
