import { extractHashtags, extractMentions, renderPlainText, statusLength } from './render';

describe('status text', () => {
  it('counts what a reader sees: links as 23, remote mentions by their local part, emoji as one', () => {
    expect(statusLength('hello', 23)).toBe(5);
    expect(statusLength(`see https://example.com/${'a'.repeat(200)}`, 23)).toBe(4 + 23);
    expect(statusLength('hi @alice@social.example.org', 23)).toBe('hi @alice'.length);
    expect(statusLength('👩‍👩‍👧 é', 23)).toBe(3);
  });

  it('finds mentions and hashtags, lower-cased, once each', () => {
    expect(extractMentions('@Alice and @bob@Remote.example, again @alice')).toEqual([
      'alice',
      'bob@remote.example',
    ]);
    expect(extractHashtags('#Mammut #mammut #Fediverse2 not#this')).toEqual(['mammut', 'fediverse2']);
  });

  it('renders paragraphs, links, known mentions and hashtags, and escapes the rest', () => {
    const html = renderPlainText('Hi @alice <b>x</b>\n\n#Tag https://example.com/a', {
      publicOrigin: 'https://mammut.example',
      mentions: new Map([['alice', { username: 'alice', url: 'https://mammut.example/@alice' }]]),
    });
    expect(html).toContain(
      '<p>Hi <span class="h-card" translate="no"><a href="https://mammut.example/@alice"',
    );
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;</p><p>');
    expect(html).toContain(
      'href="https://mammut.example/tags/tag" class="mention hashtag" rel="tag">#<span>Tag</span>',
    );
    expect(html).toContain('href="https://example.com/a" rel="nofollow noopener" target="_blank"');
  });
});
