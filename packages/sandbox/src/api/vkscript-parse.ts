/**
 * The front half of the VKScript interpreter: a tokenizer and a recursive-descent (Pratt) parser
 * that turn `execute` code into a small syntax tree. Nothing here runs code; `vkscript.ts` does.
 */

/** A whole-script failure: `code` 12 (compile) or 13 (runtime); `message` is VK's error_msg text. */
export class VkScriptError extends Error {
  override readonly name = 'VkScriptError';

  /** @param code 12 when the code does not compile, 13 when it fails while running. */
  constructor(
    readonly code: 12 | 13,
    message: string,
  ) {
    super(message);
  }
}

/** `line:column` (both from 1) of an offset in the code, for error messages. */
export function positionOf(source: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset; index += 1) {
    if (source[index] === '\n') {
      line += 1;
      lineStart = index + 1;
    }
  }
  return `${line}:${offset - lineStart + 1}`;
}

function compileError(source: string, offset: number, detail: string): VkScriptError {
  return new VkScriptError(12, `Unable to compile code: ${detail} at ${positionOf(source, offset)}`);
}

/** A binary operator of the language. */
export type BinaryOperator =
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '=='
  | '!='
  | '==='
  | '!=='
  | '<'
  | '>'
  | '<='
  | '>='
  | '&&'
  | '||';

/** A function a script may call besides `API.*`. */
export type BuiltinName = 'parseInt' | 'parseDouble';

/** An expression node; `at` is the code offset reported when evaluating the node fails. */
export type Expression =
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'array'; items: Expression[] }
  | { kind: 'object'; entries: Array<[string, Expression]> }
  | { kind: 'variable'; name: string; at: number }
  | { kind: 'member'; target: Expression; key: Expression }
  | { kind: 'pluck'; target: Expression; key: string }
  | { kind: 'api'; method: string; argument: Expression | undefined; at: number }
  | { kind: 'builtin'; name: BuiltinName; argument: Expression; at: number }
  | { kind: 'unary'; operator: '-' | '!'; operand: Expression; at: number }
  | { kind: 'binary'; operator: BinaryOperator; left: Expression; right: Expression; at: number };

/** A statement node. `assign` carries the operator of `x += y` and friends, or `=`. */
export type Statement =
  | { kind: 'var'; declarations: Array<{ name: string; value: Expression | undefined }> }
  | {
      kind: 'assign';
      name: string;
      operator: '=' | '+=' | '-=' | '*=' | '/=' | '%=';
      value: Expression;
      at: number;
    }
  | { kind: 'return'; value: Expression | undefined }
  | { kind: 'if'; test: Expression; then: Statement[]; otherwise: Statement[] }
  | { kind: 'while'; test: Expression; body: Statement[]; at: number }
  | { kind: 'expression'; value: Expression };

type Token = {
  kind: 'number' | 'string' | 'name' | 'punct' | 'end';
  /** The punctuation or name itself, the decoded string, or the number's source text. */
  text: string;
  start: number;
  /** Whether a line break separates this token from the previous one: it may stand for `;`. */
  newlineBefore: boolean;
};

// Longest first, so that `===` is not read as `==` followed by `=`.
const PUNCTUATION = [
  '===',
  '!==',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '@.',
  '+',
  '-',
  '*',
  '/',
  '%',
  '<',
  '>',
  '!',
  '=',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  ';',
  '.',
];

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
};

const NUMBER = /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_$][A-Za-z0-9_$]*/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const HEX2 = /^[0-9a-fA-F]{2}$/;

/** Splits code into tokens; comments and whitespace only mark where lines break. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  let newlineBefore = false;
  const push = (kind: Token['kind'], text: string, start: number): void => {
    tokens.push({ kind, text, start, newlineBefore });
    newlineBefore = false;
  };
  while (at < source.length) {
    const char = source[at] as string;
    if (/\s/.test(char)) {
      if (char === '\n') newlineBefore = true;
      at += 1;
    } else if (source.startsWith('//', at)) {
      const end = source.indexOf('\n', at);
      at = end === -1 ? source.length : end;
    } else if (source.startsWith('/*', at)) {
      const end = source.indexOf('*/', at + 2);
      if (end === -1) throw compileError(source, at, 'unterminated comment');
      if (source.slice(at, end).includes('\n')) newlineBefore = true;
      at = end + 2;
    } else if (char === '"' || char === "'") {
      const [text, end] = readString(source, at);
      push('string', text, at);
      at = end;
    } else if (/\d/.test(char)) {
      NUMBER.lastIndex = at;
      const text = (NUMBER.exec(source) as RegExpExecArray)[0];
      push('number', text, at);
      at += text.length;
    } else if (/[A-Za-z_$]/.test(char)) {
      NAME.lastIndex = at;
      const text = (NAME.exec(source) as RegExpExecArray)[0];
      push('name', text, at);
      at += text.length;
    } else {
      const text = PUNCTUATION.find((candidate) => source.startsWith(candidate, at));
      if (text === undefined) throw compileError(source, at, `unexpected character ${JSON.stringify(char)}`);
      push('punct', text, at);
      at += text.length;
    }
  }
  push('end', '', source.length);
  return tokens;
}

/** Reads the string literal opening at `start`; returns its value and the offset after it. */
function readString(source: string, start: number): [string, number] {
  const quote = source[start];
  let value = '';
  let at = start + 1;
  for (;;) {
    const char = source[at];
    if (char === undefined || char === '\n' || char === '\r') {
      throw compileError(source, start, 'unterminated string');
    }
    at += 1;
    if (char === quote) return [value, at];
    if (char !== '\\') {
      value += char;
      continue;
    }
    const escaped = source[at];
    at += 1;
    if (escaped === undefined) throw compileError(source, start, 'unterminated string');
    if (escaped === 'u' && source[at] === '{') {
      const end = source.indexOf('}', at);
      const hex = end === -1 ? '' : source.slice(at + 1, end);
      const codePoint = Number.parseInt(hex, 16);
      if (!/^[0-9a-fA-F]{1,6}$/.test(hex) || codePoint > 0x10ffff) {
        throw compileError(source, at - 2, 'invalid \\u{...} escape');
      }
      value += String.fromCodePoint(codePoint);
      at = end + 1;
    } else if (escaped === 'u' || escaped === 'x') {
      const length = escaped === 'u' ? 4 : 2;
      const hex = source.slice(at, at + length);
      if (!(escaped === 'u' ? HEX4 : HEX2).test(hex)) {
        throw compileError(source, at - 2, `invalid \\${escaped} escape`);
      }
      value += String.fromCharCode(Number.parseInt(hex, 16));
      at += length;
    } else if (escaped === '\n' || escaped === '\r') {
      // A backslash before a line break continues the string on the next line, as in JS.
      if (escaped === '\r' && source[at] === '\n') at += 1;
    } else {
      // As in JS, any other escaped character (quotes, backslash, slash) stands for itself.
      value += SIMPLE_ESCAPES[escaped] ?? escaped;
    }
  }
}

const PRECEDENCE: Readonly<Record<string, number>> = {
  '||': 1,
  '&&': 2,
  '==': 3,
  '!=': 3,
  '===': 3,
  '!==': 3,
  '<': 4,
  '>': 4,
  '<=': 4,
  '>=': 4,
  '+': 5,
  '-': 5,
  '*': 6,
  '/': 6,
  '%': 6,
};

const ASSIGNMENT_OPERATORS = new Set(['=', '+=', '-=', '*=', '/=', '%=']);
const LITERAL_WORDS = new Set(['true', 'false', 'null']);
const KEYWORDS = new Set(['var', 'return', 'if', 'else', 'while', ...LITERAL_WORDS]);
/** JS words VKScript users may try; naming them gives a clearer error than "expected ';'". */
const UNSUPPORTED = new Set([
  'for',
  'do',
  'break',
  'continue',
  'function',
  'let',
  'const',
  'new',
  'delete',
  'typeof',
  'switch',
]);
const BUILTINS = new Set<string>(['parseInt', 'parseDouble']);

/**
 * Bounds the depth of the syntax tree (brackets, blocks, unary operators, and the length of
 * operator and `.field` chains, which nest to the left), so that hostile code gets error 12
 * instead of overflowing the JS stack of the parser or of the tree-walking evaluator.
 */
const MAX_DEPTH = 500;

/** Parses a whole script; throws `VkScriptError` 12 naming the line, column and what was expected. */
export function parse(source: string): Statement[] {
  return new Parser(source, tokenize(source)).program();
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: readonly Token[],
  ) {}

  program(): Statement[] {
    const statements: Statement[] = [];
    while (!this.at('end')) {
      if (this.eat(';')) continue;
      statements.push(this.statement());
    }
    return statements;
  }

  private peek(ahead = 0): Token {
    // The tokenizer always ends the list with an `end` token, and `next` never moves past it.
    return (this.tokens[this.index + ahead] ?? this.tokens[this.tokens.length - 1]) as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index += 1;
    return token;
  }

  private at(kind: Token['kind'], text?: string): boolean {
    const token = this.peek();
    return token.kind === kind && (text === undefined || token.text === text);
  }

  private eat(punct: string): boolean {
    if (!this.at('punct', punct)) return false;
    this.index += 1;
    return true;
  }

  private expect(punct: string): void {
    if (!this.eat(punct)) throw this.unexpected(`'${punct}'`);
  }

  private unexpected(expected: string): VkScriptError {
    const token = this.peek();
    const found =
      token.kind === 'end' ? 'the end of the code' : token.kind === 'string' ? 'a string' : `'${token.text}'`;
    return compileError(this.source, token.start, `expected ${expected} but found ${found}`);
  }

  /** One level deeper in the tree; the caller restores `depth` when it leaves the level. */
  private deeper(): void {
    this.depth += 1;
    if (this.depth > MAX_DEPTH) {
      throw compileError(this.source, this.peek().start, `code nests deeper than ${MAX_DEPTH} levels`);
    }
  }

  private nest<T>(parse: () => T): T {
    const depth = this.depth;
    this.deeper();
    try {
      return parse();
    } finally {
      this.depth = depth;
    }
  }

  private name(what: string): string {
    const token = this.peek();
    if (token.kind !== 'name' || KEYWORDS.has(token.text) || UNSUPPORTED.has(token.text)) {
      throw this.unexpected(what);
    }
    this.index += 1;
    return token.text;
  }

  /** A simple statement ends at `;`, at a line break, before `}`, or at the end of the code. */
  private endOfStatement(): void {
    if (this.eat(';') || this.at('punct', '}') || this.at('end') || this.peek().newlineBefore) return;
    throw this.unexpected("';'");
  }

  private statement(): Statement {
    const token = this.peek();
    if (token.kind === 'name' && UNSUPPORTED.has(token.text)) {
      throw compileError(this.source, token.start, `'${token.text}' is not supported`);
    }
    if (this.at('name', 'var')) return this.varStatement();
    if (this.at('name', 'return')) {
      this.next();
      const ends = this.at('punct', ';') || this.at('punct', '}') || this.at('end');
      const value = ends ? undefined : this.expression();
      this.endOfStatement();
      return { kind: 'return', value };
    }
    if (this.at('name', 'if')) {
      this.next();
      const test = this.condition();
      const then = this.body();
      let otherwise: Statement[] = [];
      if (this.at('name', 'else')) {
        this.next();
        otherwise = this.body();
      }
      return { kind: 'if', test, then, otherwise };
    }
    if (this.at('name', 'while')) {
      this.next();
      const test = this.condition();
      return { kind: 'while', test, body: this.body(), at: token.start };
    }
    const operator = this.peek(1);
    if (token.kind === 'name' && !KEYWORDS.has(token.text) && operator.kind === 'punct') {
      if (ASSIGNMENT_OPERATORS.has(operator.text)) {
        this.index += 2;
        const value = this.expression();
        this.endOfStatement();
        return {
          kind: 'assign',
          name: token.text,
          operator: operator.text as '=' | '+=' | '-=' | '*=' | '/=' | '%=',
          value,
          at: token.start,
        };
      }
    }
    const value = this.expression();
    const after = this.peek();
    if (after.kind === 'punct' && ASSIGNMENT_OPERATORS.has(after.text)) {
      throw compileError(this.source, after.start, 'only a variable can be assigned to');
    }
    this.endOfStatement();
    return { kind: 'expression', value };
  }

  private varStatement(): Statement {
    this.next();
    const declarations: Array<{ name: string; value: Expression | undefined }> = [];
    do {
      const name = this.name('a variable name');
      const value = this.eat('=') ? this.expression() : undefined;
      declarations.push({ name, value });
    } while (this.eat(','));
    this.endOfStatement();
    return { kind: 'var', declarations };
  }

  private condition(): Expression {
    this.expect('(');
    const test = this.expression();
    this.expect(')');
    return test;
  }

  /** The body of `if`, `else` or `while`: a `{ ... }` block or one statement. */
  private body(): Statement[] {
    return this.nest(() => {
      if (!this.eat('{')) return [this.statement()];
      const statements: Statement[] = [];
      while (!this.eat('}')) {
        if (this.at('end')) throw this.unexpected("'}'");
        if (this.eat(';')) continue;
        statements.push(this.statement());
      }
      return statements;
    });
  }

  private expression(minPrecedence = 1): Expression {
    const depth = this.depth;
    try {
      let left = this.unary();
      for (;;) {
        const token = this.peek();
        const precedence = token.kind === 'punct' ? PRECEDENCE[token.text] : undefined;
        if (precedence === undefined || precedence < minPrecedence) return left;
        this.next();
        this.deeper();
        // Every operator is left-associative: the right side binds only tighter operators.
        const right = this.expression(precedence + 1);
        left = { kind: 'binary', operator: token.text as BinaryOperator, left, right, at: token.start };
      }
    } finally {
      this.depth = depth;
    }
  }

  private unary(): Expression {
    const token = this.peek();
    if (token.kind === 'punct' && (token.text === '-' || token.text === '!')) {
      this.next();
      const operand = this.nest(() => this.unary());
      return { kind: 'unary', operator: token.text, operand, at: token.start };
    }
    return this.postfix(this.primary());
  }

  private postfix(target: Expression): Expression {
    const depth = this.depth;
    try {
      return this.postfixChain(target);
    } finally {
      this.depth = depth;
    }
  }

  private postfixChain(target: Expression): Expression {
    let current = target;
    for (;;) {
      if (this.at('punct', '.') || this.at('punct', '@.') || this.at('punct', '[')) this.deeper();
      if (this.eat('.')) {
        current = { kind: 'member', target: current, key: { kind: 'literal', value: this.fieldName() } };
      } else if (this.eat('@.')) {
        current = { kind: 'pluck', target: current, key: this.fieldName() };
      } else if (this.eat('[')) {
        const key = this.expression();
        this.expect(']');
        current = { kind: 'member', target: current, key };
      } else {
        return current;
      }
    }
  }

  /** After `.` any word is a field name, keywords included (`response.return` is fine). */
  private fieldName(): string {
    if (!this.at('name')) throw this.unexpected('a field name');
    return this.next().text;
  }

  private primary(): Expression {
    const token = this.peek();
    switch (token.kind) {
      case 'number':
        this.next();
        return { kind: 'literal', value: Number(token.text) };
      case 'string':
        this.next();
        return { kind: 'literal', value: token.text };
      case 'name':
        return this.word(token);
      case 'punct':
        if (this.eat('(')) {
          const inner = this.nest(() => this.expression());
          this.expect(')');
          return inner;
        }
        if (this.eat('[')) return this.nest(() => this.arrayLiteral());
        if (this.eat('{')) return this.nest(() => this.objectLiteral());
        break;
      case 'end':
        break;
    }
    throw this.unexpected('an expression');
  }

  private word(token: Token): Expression {
    if (LITERAL_WORDS.has(token.text)) {
      this.next();
      return { kind: 'literal', value: token.text === 'null' ? null : token.text === 'true' };
    }
    if (token.text === 'API') {
      this.next();
      return this.apiCall(token.start);
    }
    if (BUILTINS.has(token.text) && this.peek(1).kind === 'punct' && this.peek(1).text === '(') {
      this.index += 2;
      const argument = this.nest(() => this.expression());
      this.expect(')');
      return { kind: 'builtin', name: token.text as BuiltinName, argument, at: token.start };
    }
    const name = this.name('an expression');
    if (this.at('punct', '(')) {
      throw compileError(this.source, token.start, `unknown function '${name}'`);
    }
    return { kind: 'variable', name, at: token.start };
  }

  private apiCall(start: number): Expression {
    const parts: string[] = [];
    do {
      if (!this.eat('.')) throw this.unexpected(parts.length === 0 ? "'.' after API" : "'(' or '.'");
      parts.push(this.fieldName());
    } while (!this.at('punct', '('));
    this.next();
    const argument = this.at('punct', ')') ? undefined : this.nest(() => this.expression());
    this.expect(')');
    return { kind: 'api', method: parts.join('.'), argument, at: start };
  }

  private arrayLiteral(): Expression {
    const items: Expression[] = [];
    while (!this.eat(']')) {
      items.push(this.expression());
      // A trailing comma before `]` is allowed, as in JS.
      if (!this.eat(',')) {
        this.expect(']');
        break;
      }
    }
    return { kind: 'array', items };
  }

  private objectLiteral(): Expression {
    const entries: Array<[string, Expression]> = [];
    while (!this.eat('}')) {
      const key = this.peek();
      if (key.kind !== 'string' && key.kind !== 'name' && key.kind !== 'number') {
        throw this.unexpected('a key');
      }
      this.next();
      this.expect(':');
      // A number key names the field as JS would print the number (`{1.50: x}` is field "1.5").
      entries.push([key.kind === 'number' ? String(Number(key.text)) : key.text, this.expression()]);
      if (!this.eat(',')) {
        this.expect('}');
        break;
      }
    }
    return { kind: 'object', entries };
  }
}
