/** One word of a command's text, or one quoted group of words. */
export interface ArgToken {
  /** The word, or the quoted text without its quotes and with `\"` / `\\` unescaped. */
  readonly value: string;
  /** Where it starts in the text (the opening quote for a quoted token). */
  readonly start: number;
  /** Where it ends (after the closing quote). */
  readonly end: number;
  /** Whether the user wrote it in quotes. */
  readonly quoted: boolean;
}

// Opening quote → closing quote: ASCII, «ёлочки», and the curly pairs phones substitute for ".
const QUOTES: Readonly<Record<string, string>> = { '"': '"', '«': '»', '“': '”', '„': '“' };
const SPACE = /\s/u;
// VK's mention markup `[id1|Pavel Durov]`: the name may hold spaces, and the whole mention is one word.
const MENTION = /\[(?:id|club|public|event)\d+\|[^\]\n]*\]/iy;

function isSpace(char: string | undefined): boolean {
  return char !== undefined && SPACE.test(char);
}

/** A quoted group starting at `start`, or undefined when the quote is never closed (then it is a plain character). */
function quotedAt(text: string, start: number): ArgToken | undefined {
  const close = QUOTES[text[start] ?? ''];
  if (close === undefined) return undefined;
  let value = '';
  for (let index = start + 1; index < text.length; index += 1) {
    const char = text[index] as string;
    if (char === '\\' && (text[index + 1] === close || text[index + 1] === '\\')) {
      value += text[index + 1];
      index += 1;
    } else if (char === close) {
      // A closing quote ends the token only where a word could end: `"a"b` is not a quoted token.
      if (index + 1 < text.length && !isSpace(text[index + 1])) return undefined;
      return { value, start, end: index + 1, quoted: true };
    } else {
      value += char;
    }
  }
  return undefined;
}

/**
 * Splits a command's text into words: runs of non-whitespace, text in double quotes
 * (`"two words"`, with `\"` for a quote inside), «ёлочки» or curly quotes, or a VK mention
 * `[id1|Pavel Durov]` (one word, spaces and all). A quote that is never closed is an ordinary
 * character.
 *
 * @example
 * tokenize('say "hello world" twice').map((token) => token.value); // ['say', 'hello world', 'twice']
 */
export function tokenize(text: string): ArgToken[] {
  const tokens: ArgToken[] = [];
  let index = 0;
  while (index < text.length) {
    if (isSpace(text[index])) {
      index += 1;
      continue;
    }
    const quoted = quotedAt(text, index);
    if (quoted) {
      tokens.push(quoted);
      index = quoted.end;
      continue;
    }
    MENTION.lastIndex = index;
    if (MENTION.test(text) && (MENTION.lastIndex === text.length || isSpace(text[MENTION.lastIndex]))) {
      tokens.push({
        value: text.slice(index, MENTION.lastIndex),
        start: index,
        end: MENTION.lastIndex,
        quoted: false,
      });
      index = MENTION.lastIndex;
      continue;
    }
    const start = index;
    while (index < text.length && !isSpace(text[index])) index += 1;
    tokens.push({ value: text.slice(start, index), start, end: index, quoted: false });
  }
  return tokens;
}
