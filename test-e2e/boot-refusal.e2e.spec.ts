import { spawn } from 'node:child_process';
import { join } from 'node:path';

jest.setTimeout(60_000);

const root = join(__dirname, '..');

/** Runs an entry point to its end; nothing is reachable, so it must refuse before connecting anywhere. */
function run(entry: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['-r', join(__dirname, 'support', 'swc-register.js'), join(root, entry)],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

/** A public instance left on the development SECRET_KEY_BASE does not boot, and says why in one line. */
describe('booting a public instance on the development secret', () => {
  it.each([
    ['the gateway in production', 'apps/gateway/src/main.ts', { NODE_ENV: 'production' }],
    ['the accounts service over https', 'apps/accounts/src/main.ts', { LOCAL_HTTPS: 'true' }],
  ])('refuses %s with one line on stderr and exit code 1', async (_, entry, env) => {
    const { code, stderr } = await run(entry, env);
    expect(code).toBe(1);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(
      /^mammut (gateway|accounts): Invalid configuration: SECRET_KEY_BASE is the development value; /,
    );
  });
});
