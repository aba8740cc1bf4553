import { ciFiles, ciValues, DEFAULT_VALUES, helmLint, helmRefusal } from './support/chart';

/** values.schema.json, as helm applies it before rendering anything. */
describe("the chart's values schema", () => {
  it.each(ciFiles())('accepts ci/%s (helm lint --strict)', (file) => {
    const lint = helmLint(ciValues(file));
    expect([file, lint.ok, lint.output]).toEqual([file, true, expect.stringContaining('0 chart(s) failed')]);
  });

  it('accepts values.yaml once localDomain is set, and refuses it without', () => {
    expect(helmLint(DEFAULT_VALUES).ok).toBe(true);
    expect(helmRefusal('template', [])).toContain("at '/localDomain': minLength: got 0, want 1");
  });

  const refused: readonly [string, readonly string[], string][] = [
    [
      'a negative replica count',
      ['--set', 'services.gateway.replicas=-1'],
      "at '/services/gateway/replicas': minimum",
    ],
    ['an unknown mode', ['--set', 'mode=bogus'], "at '/mode': value must be one of 'services', 'allInOne'"],
    ['an unknown top-level key', ['--set', 'bogus=1'], "additional properties 'bogus' not allowed"],
    [
      "an unknown key in a service's settings",
      ['--set', 'services.gateway.replica=2'],
      "at '/services/gateway': additional properties 'replica' not allowed",
    ],
    ['the latest tag', ['--set', 'image.tag=latest'], "at '/image/tag': 'not' failed"],
  ];

  it.each(refused)('refuses %s in helm template and helm lint', (_what, args, message) => {
    for (const command of ['template', 'lint'] as const)
      expect([command, helmRefusal(command, [...DEFAULT_VALUES, ...args])]).toEqual([
        command,
        expect.stringContaining(message),
      ]);
  });
});
