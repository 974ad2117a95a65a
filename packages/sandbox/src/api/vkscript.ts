/**
 * The interpreter behind `execute`: runs VKScript, VK's JS-like language, against an injected
 * API. `vkscript-parse.ts` turns the code into a syntax tree; this module walks the tree.
 *
 * Where VK's own semantics are unknown, values behave as in JS, except where JS would throw or
 * quietly produce NaN: missing fields and indexes are `null`, and arithmetic on values that are
 * not numbers (or number-like strings), like division by zero, is VK's runtime error 13.
 */
import {
  type BinaryOperator,
  type Expression,
  parse,
  positionOf,
  type Statement,
  VkScriptError,
} from './vkscript-parse.js';

export { VkScriptError } from './vkscript-parse.js';

/** Result of one inner API call made by a script. */
export type ExecuteCallResult =
  | { ok: true; value: unknown }
  | { ok: false; error: { error_code: number; error_msg: string } };

/**
 * Runs one inner API call synchronously. `params` are the evaluated argument object (JS values:
 * strings, numbers, booleans, null, arrays, objects), passed as the script built them.
 */
export type ExecuteApi = (method: string, params: Record<string, unknown>) => ExecuteCallResult;

/** One entry of VK's `execute_errors`. */
export interface ExecuteErrorEntry {
  /** The dotted method name, such as `messages.send`. */
  method: string;
  error_code: number;
  error_msg: string;
}

/** What a script produced: VK puts `response` and, when non-empty, `execute_errors` in the answer. */
export interface ExecuteOutcome {
  /** The value of the `return` that ended the script; `null` when it ran to the end. */
  response: unknown;
  /** One entry per failed inner call, in call order. */
  executeErrors: ExecuteErrorEntry[];
}

/** Limits of one run. */
export interface ExecuteOptions {
  /** Inner API calls allowed; one more is runtime error 13. @default 25 */
  maxCalls?: number;
  /** Loop iterations allowed, counted over all loops of the run; one more is error 13. @default 1000 */
  maxLoopIterations?: number;
}

/**
 * Runs an `execute` script. `args` are the other request parameters, seen by the script as
 * `Args.<name>`. An inner call that fails evaluates to `false` and adds an entry to
 * `executeErrors`; the script goes on.
 *
 * @throws VkScriptError 12 when the code does not compile (the message gives line:column and
 *   what was expected), 13 when it fails while running, including over `maxCalls` API calls.
 */
export function runExecute(
  code: string,
  args: Readonly<Record<string, string>>,
  api: ExecuteApi,
  options: ExecuteOptions = {},
): ExecuteOutcome {
  const program = parse(code);
  const run = new Run(code, args, api, options.maxCalls ?? 25, options.maxLoopIterations ?? 1000);
  const completion = run.block(program);
  return { response: completion === undefined ? null : completion.value, executeErrors: run.executeErrors };
}

/** An operator that evaluates both sides; `&&` and `||` may skip the right one. */
type StrictOperator = Exclude<BinaryOperator, '&&' | '||'>;

/** A `return` that ran: it unwinds every enclosing block and loop. */
type Completion = { value: unknown } | undefined;

/** Longest string `+` may build, so that `s = s + s` in a loop cannot exhaust memory. */
const MAX_STRING_LENGTH = 1 << 22;
/** A string that indexes an array: `a["0"]` reads the same element as `a[0]`, as in JS. */
const INDEX = /^(?:0|[1-9]\d*)$/;
/** A string that arithmetic accepts as a number: `Args` are strings, and `Args.n * 2` should work. */
const NUMERIC = /^\s*-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

class Run {
  readonly executeErrors: ExecuteErrorEntry[] = [];
  private readonly variables = new Map<string, unknown>();
  private calls = 0;
  private iterations = 0;

  constructor(
    private readonly source: string,
    args: Readonly<Record<string, string>>,
    private readonly api: ExecuteApi,
    private readonly maxCalls: number,
    private readonly maxLoopIterations: number,
  ) {
    // A copy, so that reads see only own entries and the caller's object is never shared.
    this.variables.set('Args', Object.fromEntries(Object.entries(args)));
  }

  block(statements: readonly Statement[]): Completion {
    for (const statement of statements) {
      const completion = this.statement(statement);
      if (completion !== undefined) return completion;
    }
    return undefined;
  }

  private statement(statement: Statement): Completion {
    switch (statement.kind) {
      case 'var':
        for (const { name, value } of statement.declarations) {
          this.variables.set(name, value === undefined ? null : this.evaluate(value));
        }
        return undefined;
      case 'assign': {
        const { name, operator, at } = statement;
        // Checked first, so a misspelt name fails before the right side makes any API call.
        if (!this.variables.has(name)) throw this.fail(at, `variable '${name}' is not declared`);
        const value = this.evaluate(statement.value);
        this.variables.set(
          name,
          operator === '='
            ? value
            : this.binary(operator[0] as StrictOperator, this.variables.get(name), value, at),
        );
        return undefined;
      }
      case 'return':
        return { value: statement.value === undefined ? null : this.evaluate(statement.value) };
      case 'if':
        return this.block(truthy(this.evaluate(statement.test)) ? statement.then : statement.otherwise);
      case 'while':
        while (truthy(this.evaluate(statement.test))) {
          this.iterations += 1;
          if (this.iterations > this.maxLoopIterations) {
            throw this.fail(
              statement.at,
              `too many loop iterations (the limit is ${this.maxLoopIterations})`,
            );
          }
          const completion = this.block(statement.body);
          if (completion !== undefined) return completion;
        }
        return undefined;
      case 'expression':
        this.evaluate(statement.value);
        return undefined;
    }
  }

  private evaluate(node: Expression): unknown {
    switch (node.kind) {
      case 'literal':
        return node.value;
      case 'array':
        return node.items.map((item) => this.evaluate(item));
      case 'object':
        // fromEntries defines own fields, so a `"__proto__"` key is data, not a prototype.
        return Object.fromEntries(node.entries.map(([key, value]) => [key, this.evaluate(value)]));
      case 'variable':
        if (!this.variables.has(node.name))
          throw this.fail(node.at, `variable '${node.name}' is not declared`);
        return this.variables.get(node.name);
      case 'member':
        return member(this.evaluate(node.target), this.evaluate(node.key));
      case 'pluck': {
        const target = this.evaluate(node.target);
        return Array.isArray(target) ? target.map((item) => member(item, node.key)) : null;
      }
      case 'api':
        return this.call(node.method, node.argument, node.at);
      case 'builtin':
        return this.builtin(node.name, this.evaluate(node.argument), node.at);
      case 'unary': {
        const operand = this.evaluate(node.operand);
        return node.operator === '!' ? !truthy(operand) : -this.number(operand, '-', node.at);
      }
      case 'binary': {
        const left = this.evaluate(node.left);
        // && and || answer one of their operands and skip the right one when the left decides.
        if (node.operator === '&&') return truthy(left) ? this.evaluate(node.right) : left;
        if (node.operator === '||') return truthy(left) ? left : this.evaluate(node.right);
        return this.binary(node.operator, left, this.evaluate(node.right), node.at);
      }
    }
  }

  private call(method: string, argument: Expression | undefined, at: number): unknown {
    const params = argument === undefined ? {} : this.evaluate(argument);
    if (!isObject(params)) throw this.fail(at, `API.${method} takes an object of parameters`);
    this.calls += 1;
    if (this.calls > this.maxCalls) throw this.fail(at, `too many API calls (the limit is ${this.maxCalls})`);
    const result = this.api(method, params);
    if (result.ok) return result.value ?? null;
    const { error_code, error_msg } = result.error;
    this.executeErrors.push({ method, error_code, error_msg });
    return false;
  }

  private builtin(name: 'parseInt' | 'parseDouble', value: unknown, at: number): number {
    let parsed: number;
    if (typeof value === 'string') {
      parsed = name === 'parseInt' ? Number.parseInt(value, 10) : Number.parseFloat(value);
    } else if (typeof value === 'number' || typeof value === 'boolean' || value === null) {
      parsed = Number(value);
      if (name === 'parseInt') parsed = Math.trunc(parsed);
    } else {
      throw this.fail(at, `${name} takes a string or a number, not ${describe(value)}`);
    }
    // VK runs on PHP, where intval("abc") is 0; JS's NaN would not survive JSON anyway.
    return Number.isFinite(parsed) ? parsed : 0;
  }

  private binary(operator: StrictOperator, left: unknown, right: unknown, at: number): unknown {
    switch (operator) {
      case '+': {
        if (typeof left !== 'string' && typeof right !== 'string') {
          return this.number(left, '+', at) + this.number(right, '+', at);
        }
        const text = this.text(left, at) + this.text(right, at);
        if (text.length > MAX_STRING_LENGTH) {
          throw this.fail(at, `a string grew longer than ${MAX_STRING_LENGTH} characters`);
        }
        return text;
      }
      case '-':
        return this.number(left, '-', at) - this.number(right, '-', at);
      case '*':
        return this.number(left, '*', at) * this.number(right, '*', at);
      case '/':
      case '%': {
        const dividend = this.number(left, operator, at);
        const divisor = this.number(right, operator, at);
        if (divisor === 0) throw this.fail(at, 'division by zero');
        return operator === '/' ? dividend / divisor : dividend % divisor;
      }
      case '===':
        return strictEqual(left, right);
      case '!==':
        return !strictEqual(left, right);
      case '==':
        return looseEqual(left, right);
      case '!=':
        return !looseEqual(left, right);
      case '<':
      case '>':
      case '<=':
      case '>=': {
        const bothText = typeof left === 'string' && typeof right === 'string';
        const a = bothText ? left : this.number(left, operator, at);
        const b = bothText ? right : this.number(right, operator, at);
        if (operator === '<') return a < b;
        if (operator === '>') return a > b;
        return operator === '<=' ? a <= b : a >= b;
      }
    }
  }

  /** A value as an arithmetic operand: numbers, booleans, null (0) and number-like strings. */
  private number(value: unknown, operator: string, at: number): number {
    const result = toNumber(value);
    if (result === undefined) throw this.fail(at, `'${operator}' needs numbers, not ${describe(value)}`);
    return result;
  }

  /** A value as one side of a string `+`: scalars as JS prints them, arrays joined by commas. */
  private text(value: unknown, at: number): string {
    if (Array.isArray(value)) return value.map((item) => this.text(item, at)).join(',');
    if (isObject(value)) throw this.fail(at, `'+' cannot join an object to a string`);
    return String(value);
  }

  private fail(at: number, detail: string): VkScriptError {
    return new VkScriptError(
      13,
      `Runtime error occurred during code invocation: ${detail} at ${positionOf(this.source, at)}`,
    );
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function truthy(value: unknown): boolean {
  return !(value === false || value === null || value === undefined || value === 0 || value === '');
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean' || value === null) return Number(value);
  if (typeof value === 'string' && NUMERIC.test(value)) return Number(value);
  return undefined;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (Array.isArray(value)) return 'an array';
  return isObject(value) ? 'an object' : String(value);
}

/** `target.key` or `target[key]`; anything missing is null, never an exception. */
function member(target: unknown, key: unknown): unknown {
  if (typeof key !== 'string' && typeof key !== 'number') return null;
  if (Array.isArray(target) || typeof target === 'string') {
    if (key === 'length') return target.length;
    const index = typeof key === 'number' ? key : INDEX.test(key) ? Number(key) : -1;
    return Number.isInteger(index) && index >= 0 && index < target.length ? (target[index] ?? null) : null;
  }
  if (isObject(target)) {
    const name = String(key);
    return Object.hasOwn(target, name) ? (target[name] ?? null) : null;
  }
  return null;
}

/** `===` compares arrays and objects by content: scripts have no notion of identity. */
function strictEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((item, index) => strictEqual(item, right[index]));
  }
  if (isObject(left) && isObject(right)) {
    const keys = Object.keys(left);
    return (
      keys.length === Object.keys(right).length &&
      keys.every((key) => Object.hasOwn(right, key) && strictEqual(left[key], right[key]))
    );
  }
  return false;
}

/** `==` also equates a number, a boolean and a number-like string of the same value (`Args.n == 5`). */
function looseEqual(left: unknown, right: unknown): boolean {
  if (typeof left === typeof right || left === null || right === null) return strictEqual(left, right);
  if (typeof left === 'object' || typeof right === 'object') return false;
  const a = toNumber(left);
  return a !== undefined && a === toNumber(right);
}
