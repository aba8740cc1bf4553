// Compiles every TypeScript source (apps, libs, scripts, bench, tests excluded) to dist/ with swc,
// keeping the tree's layout so `@mammut/*` imports rewrite to relative paths that hold in dist too.
// Committed assets (`.png`) are copied beside the code that reads them. `--out DIR` builds into
// DIR instead of dist/ (the deployment smoke test builds a copy of its own).
import { transformFile } from '@swc/core';
import { createRequire } from 'node:module';
import { copyFile, mkdir, readdir, writeFile, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

const { root, swcOptions } = createRequire(import.meta.url)('./swc-options.cjs');
const roots = ['apps', 'libs', 'scripts', 'bench', 'test-e2e'];
const skip = (name) => name.endsWith('.spec.ts') || name.endsWith('.d.ts');
const isAsset = (name) => name.endsWith('.png');

async function* walk(dir) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if ((entry.name.endsWith('.ts') && !skip(entry.name)) || isAsset(entry.name)) yield path;
  }
}

const options = { ...swcOptions(), sourceMaps: true };
const outFlag = process.argv.indexOf('--out');
const dist = outFlag > 0 ? process.argv[outFlag + 1] : join(root, 'dist');

await rm(dist, { recursive: true, force: true });
const jobs = [];
const assets = [];
for (const top of roots) {
  for await (const file of walk(join(root, top))) {
    if (isAsset(file)) {
      const out = join(dist, relative(root, file));
      assets.push(mkdir(dirname(out), { recursive: true }).then(() => copyFile(file, out)));
      continue;
    }
    jobs.push(
      (async () => {
        const out = join(dist, relative(root, file)).replace(/\.ts$/, '.js');
        const result = await transformFile(file, {
          ...options,
          sourceFileName: relative(dirname(out), file),
        });
        await mkdir(dirname(out), { recursive: true });
        await writeFile(out, `${result.code}\n//# sourceMappingURL=${out.split('/').pop()}.map\n`);
        if (result.map) await writeFile(`${out}.map`, result.map);
      })(),
    );
  }
}
await Promise.all([...jobs, ...assets]);
console.log(
  `build: ${jobs.length} files compiled to ${dist.startsWith(root) ? relative(root, dist) : dist}/, ${assets.length} assets copied`,
);
