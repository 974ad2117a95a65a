// One pass over the text: a sequential replace would turn "&amp;lt;" into "<" (decoding twice),
// which is why VK's own order puts `&amp;` last; a single regex never revisits its output.
const ESCAPE = /<br\s*\/?>|&(?:(lt|gt|quot|amp)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));/gi;

const NAMED: Readonly<Record<string, string>> = { lt: '<', gt: '>', quot: '"', amp: '&' };

function codePoint(value: number, match: string): string {
  // Surrogate halves and out-of-range numbers are not characters: keep the entity as it came.
  const valid = value > 0 && value <= 0x10ffff && (value < 0xd800 || value > 0xdfff);
  return valid ? String.fromCodePoint(value) : match;
}

/**
 * Undoes the HTML escaping of User Long Poll texts (message text, `title`, `source_text`...):
 * `<br>` → newline, `&lt;` `&gt;` `&quot;` `&amp;`, and numeric entities (`&#39;`, `&#x1F609;`),
 * which VK is not known to send but which cost nothing to accept. Anything else is left as it is.
 *
 * @example
 * unescapeVkText('2 &lt; 3<br>&quot;ok&quot; &amp;amp;'); // '2 < 3\n"ok" &amp;'
 */
export function unescapeVkText(text: string): string {
  if (!text.includes('&') && !text.includes('<')) return text;
  return text.replace(
    ESCAPE,
    (match, name: string | undefined, decimal: string | undefined, hex: string | undefined) => {
      if (name !== undefined) return NAMED[name.toLowerCase()] ?? match;
      if (decimal !== undefined) return codePoint(Number(decimal), match);
      if (hex !== undefined) return codePoint(Number.parseInt(hex, 16), match);
      return '\n';
    },
  );
}
