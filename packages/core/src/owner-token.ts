let counter = 0;
const processTag = Math.floor(Math.random() * 0x7fffffff).toString(36);

/** @internal A token no other claim of this process (or, very likely, of another) carries. */
export function ownerToken(): string {
  counter += 1;
  return `${processTag}.${counter.toString(36)}`;
}
