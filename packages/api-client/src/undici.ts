// undici is loaded on the first request, not at import: it is the largest module on the import
// path (~100 ms cold), and a program that imports vkwire without sending anything (a CLI's --help,
// a test, a callback server that only answers) should not pay for it.

type Undici = typeof import('undici');

let loaded: Undici | undefined;
let loading: Promise<Undici> | undefined;

/** undici, loaded once; the module itself after the first call has settled. */
export function undici(): Undici | Promise<Undici> {
  if (loaded) return loaded;
  loading ??= import('undici').then((module) => {
    loaded = module;
    return module;
  });
  return loading;
}
