import { describe, expect, test } from 'vitest';
import {
  type ExecuteApi,
  type ExecuteCallResult,
  type ExecuteOptions,
  runExecute,
  VkScriptError,
} from '../src/api/vkscript.js';

type Answer = (params: Record<string, unknown>) => ExecuteCallResult;

/** An API that records every call; methods without an answer succeed with a value naming the call. */
function fakeApi(answers: Readonly<Record<string, Answer>> = {}) {
  const calls: Array<{ method: string; params: Record<string, unknown> }> = [];
  const api: ExecuteApi = (method, params) => {
    calls.push({ method, params });
    const answer = answers[method];
    return answer ? answer(params) : { ok: true, value: `${method} #${calls.length}` };
  };
  return { api, calls };
}

const succeed =
  (value: unknown): Answer =>
  () => ({ ok: true, value });
const fail =
  (error_code: number, error_msg: string): Answer =>
  () => ({ ok: false, error: { error_code, error_msg } });

const users = succeed([
  { id: 1, first_name: 'Anna', last_name: 'K' },
  { id: 2, first_name: 'Boris', last_name: 'L' },
]);

/** The response of a script run against `fakeApi(answers)`. */
function evaluate(
  code: string,
  args: Readonly<Record<string, string>> = {},
  answers: Readonly<Record<string, Answer>> = {},
): unknown {
  return runExecute(code, args, fakeApi(answers).api).response;
}

/** The VkScriptError a script throws; fails the test when it throws nothing or something else. */
function scriptError(code: string, options?: ExecuteOptions, api: ExecuteApi = fakeApi().api): VkScriptError {
  try {
    runExecute(code, {}, api, options);
  } catch (error) {
    if (error instanceof VkScriptError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(code)} to fail`);
}

/** The code an SDK such as vk-io sends for a batch: every parameter a JSON string literal. */
function batch(calls: ReadonlyArray<[string, Record<string, string>]>): string {
  return `return [${calls.map(([method, params]) => `API.${method}(${JSON.stringify(params)})`).join(',')}];`;
}

describe('SDK batches', () => {
  test('passes every string literal to its call decoded, escapes included, and answers in call order', () => {
    const { api, calls } = fakeApi({ 'users.get': users });
    const message = 'hi "x"\nnext \\ back\tslash \u2028 Привет 😀';
    const outcome = runExecute(
      batch([
        ['messages.send', { peer_id: '1', message, random_id: '5' }],
        ['users.get', { user_ids: '1,2' }],
      ]),
      {},
      api,
    );
    expect(calls).toEqual([
      { method: 'messages.send', params: { peer_id: '1', message, random_id: '5' } },
      { method: 'users.get', params: { user_ids: '1,2' } },
    ]);
    expect(outcome).toEqual({
      response: [
        'messages.send #1',
        [expect.objectContaining({ id: 1 }), expect.objectContaining({ id: 2 })],
      ],
      executeErrors: [],
    });
  });

  test('decodes the escapes JS allows in both quote styles', () => {
    expect(
      evaluate(String.raw`return ['it\'s', "say \"hi\"", '\u0041\x42\u{1F600}', "a\/b", '\0'];`),
    ).toEqual(["it's", 'say "hi"', 'AB😀', 'a/b', '\0']);
  });

  test('passes numbers, booleans, null and nested literals to calls as JS values', () => {
    const { api, calls } = fakeApi();
    runExecute(
      'API.messages.send({"peer_id": 2000000001, "ratio": -1.5e2, "dont_parse_links": true, "sticker": null, ' +
        'keyboard: {"buttons": [[{"action": {"type": "text"}}]], inline: false}});',
      {},
      api,
    );
    expect(calls[0]?.params).toEqual({
      peer_id: 2000000001,
      ratio: -150,
      dont_parse_links: true,
      sticker: null,
      keyboard: { buttons: [[{ action: { type: 'text' } }]], inline: false },
    });
  });

  test('calls a method with no argument with empty params', () => {
    const { api, calls } = fakeApi();
    runExecute('return API.groups.getById();', {}, api);
    expect(calls).toEqual([{ method: 'groups.getById', params: {} }]);
  });

  test('lets the API answer a method name of any shape, so a batch keeps one result per call', () => {
    const { api, calls } = fakeApi({ status: fail(3, 'Unknown method passed') });
    const outcome = runExecute('return [API.status(), API.a.b.c()];', {}, api);
    expect(calls.map((call) => call.method)).toEqual(['status', 'a.b.c']);
    expect(outcome.response).toEqual([false, 'a.b.c #2']);
  });
});

describe('partial failures', () => {
  test('maps the n-th failed call to the n-th execute_errors entry and keeps running', () => {
    const { api, calls } = fakeApi({
      'messages.send': (params) =>
        params.peer_id === '2'
          ? {
              ok: false,
              error: { error_code: 901, error_msg: "Can't send messages for users without permission" },
            }
          : { ok: true, value: 100 },
      'messages.sendEverything': fail(3, 'Unknown method passed'),
    });
    const outcome = runExecute(
      batch([
        ['messages.send', { peer_id: '1' }],
        ['messages.send', { peer_id: '2' }],
        ['users.get', {}],
        ['messages.sendEverything', {}],
        ['messages.send', { peer_id: '3' }],
      ]),
      {},
      api,
    );
    expect(calls).toHaveLength(5);
    expect(outcome).toEqual({
      response: [100, false, 'users.get #3', false, 100],
      executeErrors: [
        {
          method: 'messages.send',
          error_code: 901,
          error_msg: "Can't send messages for users without permission",
        },
        { method: 'messages.sendEverything', error_code: 3, error_msg: 'Unknown method passed' },
      ],
    });
  });

  test('a failed call is false to the script, so it can branch on it', () => {
    const code = 'var sent = API.messages.send({}); if (sent) { return "sent"; } return "failed: " + sent;';
    expect(evaluate(code, {}, { 'messages.send': fail(901, 'no') })).toBe('failed: false');
    expect(evaluate(code, {}, { 'messages.send': succeed(7) })).toBe('sent');
  });

  test('reading fields of a failed call gives null instead of failing the script', () => {
    expect(
      evaluate(
        'var u = API.users.get(); return [u[0].first_name, u.length];',
        {},
        { 'users.get': fail(18, 'deleted') },
      ),
    ).toEqual([null, null]);
  });
});

describe('the API call limit', () => {
  const calls = (count: number) =>
    batch(Array.from({ length: count }, (_, index) => ['users.get', { n: String(index) }]));

  test('allows 25 calls', () => {
    const { api, calls: made } = fakeApi();
    expect(runExecute(calls(25), {}, api).response).toHaveLength(25);
    expect(made).toHaveLength(25);
  });

  test('the 26th call is runtime error 13 and never reaches the API', () => {
    const { api, calls: made } = fakeApi();
    const error = scriptError(calls(26), undefined, api);
    expect(error.code).toBe(13);
    expect(error.message).toMatch(/^Runtime error occurred during code invocation: too many API calls/);
    expect(made).toHaveLength(25);
  });

  test('counts calls made in loops and honours a custom limit', () => {
    const code = 'var i = 0; while (i < 3) { API.users.get({}); i = i + 1; } return i;';
    expect(runExecute(code, {}, fakeApi().api, { maxCalls: 3 }).response).toBe(3);
    expect(scriptError(code, { maxCalls: 2 }).message).toContain('too many API calls (the limit is 2)');
  });

  test('a failed call counts toward the limit', () => {
    const { api } = fakeApi({ 'users.get': fail(6, 'Too many requests per second') });
    expect(scriptError(calls(26), undefined, api).code).toBe(13);
  });
});

describe('Args and variables', () => {
  test('scripts read request parameters as Args.<name> strings; a missing one is null', () => {
    const { api, calls } = fakeApi({ 'users.get': users });
    const outcome = runExecute(
      'var a = API.users.get({"user_ids": Args.ids}); var b = a[0].first_name; ' +
        'return {"name": b, "n": a.length, "sum": 1 + 2 * 3, "missing": Args.nothing, "inherited": Args.toString};',
      { ids: '1,2' },
      api,
    );
    expect(calls[0]?.params).toEqual({ user_ids: '1,2' });
    expect(outcome.response).toEqual({ name: 'Anna', n: 2, sum: 7, missing: null, inherited: null });
  });

  test('assignment replaces a declared variable, compound assignment computes with it', () => {
    expect(
      evaluate('var x = 1; x = x + 10; x *= 2; x -= 1; x /= 3; x %= 4; var s = "a"; s += 1; return [x, s];'),
    ).toEqual([3, 'a1']);
  });

  test('var declares several names at once, and a declaration without a value is null', () => {
    expect(evaluate('var a = 1, b = a + 1, c; return [a, b, c];')).toEqual([1, 2, null]);
  });

  test('reading an undeclared variable is runtime error 13 naming it and where', () => {
    const error = scriptError('var a = 1;\nreturn a + b;');
    expect(error.code).toBe(13);
    expect(error.message).toBe(
      "Runtime error occurred during code invocation: variable 'b' is not declared at 2:12",
    );
  });

  test('assigning to an undeclared variable fails before its right side calls the API', () => {
    const { api, calls } = fakeApi();
    expect(scriptError('count = API.users.get();', undefined, api).message).toContain(
      "variable 'count' is not declared",
    );
    expect(calls).toEqual([]);
  });
});

describe('member access', () => {
  const data = '{"items": [{"id": 1, "tags": ["a", "b"]}, {"id": 2}], "count": 2, "text": "héllo"}';

  test('reads fields with .name and ["name"], elements with [number] and ["number"]', () => {
    expect(
      evaluate(
        `var d = ${data}; var k = "count"; return [d.items[0].id, d["items"][1].id, d[k], d.items["1"].id, d.items[0].tags[1]];`,
      ),
    ).toEqual([1, 2, 2, 2, 'b']);
  });

  test('length counts arrays and strings; strings index to characters', () => {
    expect(
      evaluate(
        `var d = ${data}; return [d.items.length, d.text.length, "".length, d.text[1], d.items[0].tags.length];`,
      ),
    ).toEqual([2, 5, 0, 'é', 2]);
  });

  test('anything missing is null: fields, out-of-range and fractional indexes, members of scalars', () => {
    expect(
      evaluate(
        `var d = ${data}; return [d.nope, d.nope.deeper, d.items[5], d.items[-1], d.items[0.5], d.count.id, ` +
          'd.items.first, d.length, null.x, true[0], d.items[null], d.items[d.items]];',
      ),
    ).toEqual(Array.from({ length: 12 }, () => null));
  });

  test('keywords may be field names after a dot and object keys', () => {
    expect(evaluate('var o = {return: 1, "if": 2, null: 3}; return [o.return, o.if, o.null];')).toEqual([
      1, 2, 3,
    ]);
  });

  test('a "__proto__" key is an ordinary field and reads of inherited names stay null', () => {
    const response = evaluate(
      'var o = {"__proto__": {"polluted": 1}}; return [o.polluted, o.__proto__, o.constructor];',
    );
    expect(response).toEqual([null, { polluted: 1 }, null]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('@. takes a field from every element of an array', () => {
    const answers = {
      'users.get': users,
      'friends.get': succeed({ count: 2, items: [{ id: 5 }, { id: 6 }] }),
    };
    expect(
      evaluate(
        'var u = API.users.get(); return [u@.first_name, API.friends.get().items@.id, u@.nope, u@.id[1], [[1, 2], [3]]@.length, 5@.id];',
        {},
        answers,
      ),
    ).toEqual([['Anna', 'Boris'], [5, 6], [null, null], 2, [2, 1], null]);
  });
});

describe('operators', () => {
  test('arithmetic follows the usual precedence, left to right, with parentheses and unary minus', () => {
    expect(
      evaluate(
        'return [1 + 2 * 3, (1 + 2) * 3, 10 - 4 - 3, 12 / 4 / 3, 7 % 4, -2 * -3, 1.5 + 0.25, -(1 - 4), 2 * -Args.n];',
        { n: '4' },
      ),
    ).toEqual([7, 9, 3, 1, 3, 6, 1.75, 3, -8]);
  });

  test('+ concatenates when either side is a string, and adds otherwise', () => {
    expect(
      evaluate(
        'return ["id" + 5, 5 + "id", 1 + 2 + "3", "3" + 1 + 2, "x" + true + null, "ids: " + [1, 2], 1 + true, 2 + null];',
      ),
    ).toEqual(['id5', '5id', '33', '312', 'xtruenull', 'ids: 1,2', 2, 2]);
  });

  test('number-like strings such as Args take part in arithmetic', () => {
    expect(
      evaluate('return [Args.n * 2, Args.n - 1, Args.n + 1, Args.f / 2];', { n: '21', f: ' 1.5 ' }),
    ).toEqual([42, 20, '211', 0.75]);
  });

  test('comparisons compare numbers numerically and two strings lexically', () => {
    expect(
      evaluate('return [1 < 2, 2 <= 2, 3 > 4, 3 >= 4, "10" < 9, "b" > "a", "10" < "9", Args.n > 5];', {
        n: '10',
      }),
    ).toEqual([true, true, false, false, false, true, true, true]);
  });

  test('=== needs the same type; == also equates a number-like string, number and boolean', () => {
    expect(
      evaluate(
        'return [1 === 1, "1" === 1, "1" == 1, Args.id == 5, true == 1, "" == 0, null == false, null == null, ' +
          '"a" != "b", 1 !== "1", [1, {"a": 2}] === [1, {"a": 2}], {"a": 1} == {"a": 2}];',
        { id: '5' },
      ),
    ).toEqual([true, false, true, true, true, false, false, true, true, true, true, false]);
  });

  test('&& and || answer an operand and skip the right side, API calls included, when the left decides', () => {
    const { api, calls } = fakeApi();
    const outcome = runExecute(
      'return [0 && API.a.b(), 1 && "yes", null || "fallback", "first" || API.a.b(), !0, !"", ![], !{}, !!"x"];',
      {},
      api,
    );
    expect(outcome.response).toEqual([0, 'yes', 'fallback', 'first', true, true, false, false, true]);
    expect(calls).toEqual([]);
  });

  test('&& binds tighter than ||, and comparisons tighter than both', () => {
    expect(evaluate('return [1 || 0 && 0, 1 < 2 && 2 < 3, 1 == 2 || 3 == 3];')).toEqual([1, true, true]);
  });

  test('parseInt and parseDouble read numbers out of strings; garbage reads as 0', () => {
    expect(
      evaluate(
        'return [parseInt(Args.n) + 1, parseInt("12px"), parseInt(3.9), parseDouble("2.5") * 2, parseInt("abc")];',
        { n: '41' },
      ),
    ).toEqual([42, 12, 3, 5, 0]);
  });
});

describe('results', () => {
  test('returns objects with quoted and bare keys, arrays, and trailing commas', () => {
    expect(evaluate('return {"a": [1, "two", true, null, [],], b: {}, 3: -0.5,};')).toEqual({
      a: [1, 'two', true, null, []],
      b: {},
      '3': -0.5,
    });
  });

  test('a later duplicate key wins, as in JS', () => {
    expect(evaluate('return {"a": 1, "a": 2};')).toEqual({ a: 2 });
  });

  test('a script without return answers null', () => {
    const { api, calls } = fakeApi();
    expect(runExecute('var a = API.users.get();', {}, api)).toEqual({ response: null, executeErrors: [] });
    expect(calls).toHaveLength(1);
    expect(evaluate('')).toBeNull();
    expect(evaluate('return;')).toBeNull();
  });

  test('return ends the script: nothing after it runs', () => {
    const { api, calls } = fakeApi();
    expect(runExecute('return 1; API.messages.send({});', {}, api).response).toBe(1);
    expect(calls).toEqual([]);
  });
});

describe('syntax', () => {
  test('comments are skipped, but // inside a string is text', () => {
    const code = `// leading comment
      var url = "https://vk.com/id1"; /* a block
      comment */ var n = 1 /* inline */ + 2; // trailing
      return [url, n, '/* not a comment */'];`;
    expect(evaluate(code)).toEqual(['https://vk.com/id1', 3, '/* not a comment */']);
  });

  test('a line break may stand for a semicolon', () => {
    expect(evaluate('var a = 1\nvar b = [a,\n 2]\nreturn b')).toEqual([1, 2]);
  });

  test('stray semicolons are empty statements', () => {
    expect(evaluate(';;var a = 1;; if (a) { ; return a;; }')).toBe(1);
  });
});

describe('compile errors', () => {
  test('names the line, the column, and what was expected', () => {
    const error = scriptError('return [API.users.get({)];');
    expect(error.code).toBe(12);
    expect(error.message).toBe("Unable to compile code: expected a key but found ')' at 1:24");
  });

  test('counts lines and columns from 1', () => {
    expect(scriptError('var a = 1;\n  var b = (a + 2;\nreturn b;').message).toBe(
      "Unable to compile code: expected ')' but found ';' at 2:17",
    );
  });

  test.each([
    ['return "open;', 'unterminated string at 1:8'],
    ["return 'line\nbreak';", 'unterminated string at 1:8'],
    ['return 1; /* never closed', 'unterminated comment at 1:11'],
    ['return 1 # 2;', 'unexpected character "#" at 1:10'],
    ['return "\\u12";', 'invalid \\u escape at 1:9'],
    ['return API.users.get;', "expected '(' or '.' but found ';' at 1:21"],
    ['return API;', "expected '.' after API but found ';' at 1:11"],
    ['var = 1;', "expected a variable name but found '=' at 1:5"],
    ['var if = 1;', "expected a variable name but found 'if' at 1:5"],
    ['var a = 1 var b = 2;', "expected ';' but found 'var' at 1:11"],
    ['return [1, 2;', "expected ']' but found ';' at 1:13"],
    ['return {"a" 1};', "expected ':' but found '1' at 1:13"],
    ['return {"a": 1 "b": 2};', "expected '}' but found a string at 1:16"],
    ['return 1 +;', "expected an expression but found ';' at 1:11"],
    ['return 1 +', 'expected an expression but found the end of the code at 1:11'],
    ['if (1) { return 1;', "expected '}' but found the end of the code at 1:19"],
    ['if 1 { return 1; }', "expected '(' but found '1' at 1:4"],
    ['return API.users.get({}, {});', "expected ')' but found ',' at 1:24"],
    ['return foo(1);', "unknown function 'foo' at 1:8"],
    ['for (var i = 0; i < 2; i++) {}', "'for' is not supported at 1:1"],
    ['var a = [1]; a[0] = 2;', 'only a variable can be assigned to at 1:19'],
    ['return a.;', "expected a field name but found ';' at 1:10"],
  ])('%j', (code, detail) => {
    const error = scriptError(code);
    expect(error.code).toBe(12);
    expect(error.message).toBe(`Unable to compile code: ${detail}`);
  });

  test('a syntax error anywhere fails the whole script before any call is made', () => {
    const { api, calls } = fakeApi();
    expect(scriptError('API.messages.send({}); return 1 +;', undefined, api).code).toBe(12);
    expect(calls).toEqual([]);
  });

  test('deep nesting is a compile error, not a crash, while ordinary depth works', () => {
    const nested = (depth: number) => `return ${'['.repeat(depth)}1${']'.repeat(depth)};`;
    expect(JSON.stringify(evaluate(nested(400)))).toBe(`${'['.repeat(400)}1${']'.repeat(400)}`);
    expect(scriptError(nested(20_000)).message).toMatch(
      /^Unable to compile code: code nests deeper than 500 levels/,
    );
    expect(scriptError(`return ${'-'.repeat(20_000)}1;`).code).toBe(12);
    expect(scriptError(`return ${Array.from({ length: 20_000 }, () => '1').join(' + ')};`).code).toBe(12);
    expect(scriptError(`return a${'.b'.repeat(20_000)};`).code).toBe(12);
    expect(scriptError(`${'if (1) '.repeat(20_000)}return 1;`).code).toBe(12);
  });

  test('an expression chain of ordinary length evaluates', () => {
    expect(evaluate(`return ${Array.from({ length: 300 }, () => '1').join(' + ')};`)).toBe(300);
  });
});

describe('runtime errors', () => {
  test.each([
    ['return 1 / 0;', 'division by zero at 1:10'],
    ['return 1 % 0;', 'division by zero at 1:10'],
    ['return "a" - 1;', `'-' needs numbers, not the string "a" at 1:12`],
    ['return -[1];', "'-' needs numbers, not an array at 1:8"],
    ['return {"a": 1} < 2;', "'<' needs numbers, not an object at 1:17"],
    ['return "x" + {"a": 1};', "'+' cannot join an object to a string at 1:12"],
    ['return API.users.get([1]);', 'API.users.get takes an object of parameters at 1:8'],
    ['return API.users.get("ids");', 'API.users.get takes an object of parameters at 1:8'],
    ['return parseInt([1]);', 'parseInt takes a string or a number, not an array at 1:8'],
  ])('%j', (code, detail) => {
    const error = scriptError(code);
    expect(error.code).toBe(13);
    expect(error.message).toBe(`Runtime error occurred during code invocation: ${detail}`);
  });

  test('keeps no execute_errors of a script that then failed as a whole', () => {
    const { api, calls } = fakeApi({ 'messages.send': fail(901, 'no') });
    expect(scriptError('API.messages.send({}); return 1 / 0;', undefined, api).code).toBe(13);
    expect(calls).toHaveLength(1);
  });

  test('a string cannot grow without bound', () => {
    expect(scriptError('var s = "x"; while (true) { s = s + s; }').message).toMatch(
      /a string grew longer than \d+ characters/,
    );
  });

  test('a VkScriptError is an Error with its VK code', () => {
    const error = scriptError('return (;');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('VkScriptError');
  });
});

describe('control flow', () => {
  test('if runs the branch its condition picks, with else if chains and unbraced bodies', () => {
    const code =
      'var n = parseInt(Args.n); var r = "";\n' +
      'if (n > 10) { r = "big"; } else if (n > 5) r = "medium"; else { r = "small"; }\n' +
      'if (Args.flag) r = r + "!";\nreturn r;';
    expect(evaluate(code, { n: '11', flag: '1' })).toBe('big!');
    expect(evaluate(code, { n: '6' })).toBe('medium');
    expect(evaluate(code, { n: '1', flag: '' })).toBe('small');
  });

  test('treats false, null, 0 and "" as false, and empty arrays and objects as true', () => {
    expect(
      evaluate(
        'var r = []; var v = [false, null, 0, "", [], {}, "0", -1]; var i = 0; var out = ""; ' +
          'while (i < v.length) { if (v[i]) { out = out + "T"; } else { out = out + "F"; } i = i + 1; } return out;',
      ),
    ).toBe('FFFFTTTT');
  });

  test('while repeats calls and collects their results', () => {
    const { api, calls } = fakeApi({ 'users.get': users });
    const code =
      'var offset = 0; var names = ""; while (offset < 3) { ' +
      'var u = API.users.get({"offset": offset}); names = names + u[0].first_name + offset; offset += 1; } return names;';
    expect(runExecute(code, {}, api).response).toBe('Anna0Anna1Anna2');
    expect(calls.map((call) => call.params)).toEqual([{ offset: 0 }, { offset: 1 }, { offset: 2 }]);
  });

  test('return inside a loop ends the script', () => {
    expect(evaluate('var i = 0; while (true) { i = i + 1; if (i == 3) { return i; } } return -1;')).toBe(3);
  });

  test('too many loop iterations is runtime error 13, counted over all loops of the run', () => {
    expect(scriptError('var i = 0; while (true) { i = i + 1; }').message).toBe(
      'Runtime error occurred during code invocation: too many loop iterations (the limit is 1000) at 1:12',
    );
    const nested =
      'var i = 0; var n = 0; while (i < 10) { var j = 0; while (j < 10) { j += 1; n += 1; } i += 1; } return n;';
    expect(runExecute(nested, {}, fakeApi().api, { maxLoopIterations: 110 }).response).toBe(100);
    expect(scriptError(nested, { maxLoopIterations: 109 }).code).toBe(13);
  });
});
