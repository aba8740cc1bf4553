import { sanitizeRichText } from './sanitize';

describe('sanitizeRichText', () => {
  it('drops scripts, event handlers and styles, keeping the text around them', () => {
    expect(
      sanitizeRichText('<p onclick="steal()" style="color:red">hi<script>alert(1)</script> there</p>'),
    ).toBe('<p>hi there</p>');
  });

  it('keeps Mastodon’s mention and hashtag markup with its microformats classes', () => {
    const mention =
      '<span class="h-card" translate="no"><a href="https://example.com/@bob" class="u-url mention">@<span>bob</span></a></span>';
    const hashtag =
      '<a href="https://example.com/tags/cats" class="mention hashtag" rel="tag">#<span>cats</span></a>';
    expect(sanitizeRichText(`<p>${mention} ${hashtag}</p>`)).toBe(`<p>${mention} ${hashtag}</p>`);
  });

  it('keeps only the classes Mastodon keeps', () => {
    expect(sanitizeRichText('<p class="quote-inline evil">x</p><span class="p-name big">y</span>')).toBe(
      '<p class="quote-inline">x</p><span class="p-name">y</span>',
    );
  });

  it('keeps the formatting elements of MASTODON_STRICT and lang anywhere', () => {
    const html =
      '<blockquote><p lang="de">Hallo <em>du</em> <strong>da</strong> <del>x</del> <code>y</code></p></blockquote><ol start="3" reversed><li value="2">a</li></ol><pre>z</pre>';
    expect(sanitizeRichText(html)).toBe(html);
  });

  it('turns headings into bold paragraphs and drops other elements but their text', () => {
    expect(sanitizeRichText('<h1 class="x">Title</h1><div><img src="https://e.com/a.png">body</div>')).toBe(
      '<p><strong>Title</strong></p>body',
    );
  });

  it('opens other links with nofollow noopener and drops hrefs of unsupported schemes', () => {
    expect(sanitizeRichText('<a href="https://e.com/">e</a><a href="javascript:alert(1)">j</a>')).toBe(
      '<a href="https://e.com/" rel="nofollow noopener" target="_blank">e</a><a rel="nofollow noopener" target="_blank">j</a>',
    );
  });

  it('answers an empty string for what is not a string', () => {
    expect(sanitizeRichText(42)).toBe('');
  });
});
