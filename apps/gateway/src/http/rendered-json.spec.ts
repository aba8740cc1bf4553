import { renderedJson } from './rendered-json';

describe('renderedJson', () => {
  it('renders a frozen record once and serves its text until the record is replaced', () => {
    let renders = 0;
    const render = renderedJson((record: { name: string }) => {
      renders += 1;
      return { display_name: record.name };
    });
    const first = Object.freeze({ name: 'a' });
    expect(render(first)).toBe('{"display_name":"a"}');
    expect(render(first)).toBe('{"display_name":"a"}');
    expect(renders).toBe(1);
    const replaced = Object.freeze({ name: 'b' });
    expect(render(replaced)).toBe('{"display_name":"b"}');
    expect(renders).toBe(2);
  });

  it('renders a record that could still change every time', () => {
    let renders = 0;
    const render = renderedJson((record: { name: string }) => {
      renders += 1;
      return { display_name: record.name };
    });
    const record = { name: 'a' };
    expect(render(record)).toBe('{"display_name":"a"}');
    record.name = 'b';
    expect(render(record)).toBe('{"display_name":"b"}');
    expect(renders).toBe(2);
  });
});
