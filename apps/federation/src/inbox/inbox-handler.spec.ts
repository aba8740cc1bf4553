import { routeOf } from './inbox-handler';

describe('routeOf', () => {
  const actor = 'https://remote.example/users/bob';

  it('routes plain activities by their type', () => {
    expect(routeOf('Follow', 'https://here.example/users/alice', actor)).toBe('Follow');
    expect(routeOf('Create', { type: 'Note', id: `${actor}/notes/1` }, actor)).toBe('Create');
  });

  it('routes the wrapping verbs by the type they embed, or bare when the object is an id', () => {
    expect(routeOf('Undo', { type: 'Follow' }, actor)).toBe('Undo:Follow');
    expect(routeOf('Accept', { type: 'Follow' }, actor)).toBe('Accept:Follow');
    expect(routeOf('Update', { type: 'Note' }, actor)).toBe('Update:Note');
    expect(routeOf('Undo', `${actor}#likes/1`, actor)).toBe('Undo');
    expect(routeOf('Reject', { id: 'x' }, actor)).toBe('Reject');
  });

  it('routes an actor deleting itself apart from deleting its objects', () => {
    expect(routeOf('Delete', actor, actor)).toBe('Delete:Actor');
    expect(routeOf('Delete', { id: actor, type: 'Person' }, actor)).toBe('Delete:Actor');
    expect(routeOf('Delete', { id: `${actor}/notes/1`, type: 'Tombstone' }, actor)).toBe('Delete');
  });
});
