import type { ArgumentErrorPolicy } from './command.js';

/** How the bot reads commands in message texts. */
export interface CommandSettings {
  /** Prefixes a command starts with, longest tried first; `''` allows commands without one. */
  readonly prefixes: readonly string[];
  /** Whether `/Ping` is a different command from `/ping`. */
  readonly caseSensitive: boolean;
  /** Whether extra text after a command's arguments is an error. */
  readonly strict: boolean;
  /** What to do when a command's arguments are wrong. */
  readonly onArgumentError: ArgumentErrorPolicy;
}

/** A message text read as a command call: the prefix, and the text after it. */
export interface CommandCall {
  /** The prefix the text started with (after a mention of the bot). */
  readonly prefix: string;
  /** The text after the prefix. */
  readonly body: string;
  /** The first word of `body`, lowercased: what picks the commands that may answer. */
  readonly head: string;
  /** The words of `body` (lowercased unless commands are case-sensitive), with where each ends. */
  readonly words: ReadonlyArray<{ word: string; end: number }>;
}

/** Sorts prefixes longest first, so `!!` is tried before `!`. */
export function sortPrefixes(prefixes: readonly string[]): readonly string[] {
  return [...prefixes].sort((a, b) => b.length - a.length);
}

// `[club1|@bot], /cmd` or `[public1|Bot] /cmd`: VK clients write a mention of the community so.
const MENTION = /^\[(?:club|public)(\d+)\|[^\]]*\][\s,:]*/;
const WORD = /\S+/g;

/**
 * Reads a text as a command call: skips a leading mention of this community (a mention of another
 * one means the message is not for this bot), then finds a prefix. Null when the text is no
 * command call.
 */
export function parseCommandCall(
  text: string,
  settings: CommandSettings,
  groupId: number | undefined,
): CommandCall | null {
  let rest = text.trimStart();
  if (rest.startsWith('[')) {
    const mention = MENTION.exec(rest);
    if (mention !== null) {
      if (groupId !== undefined && Number(mention[1]) !== groupId) return null;
      rest = rest.slice(mention[0].length);
    }
  }
  for (const prefix of settings.prefixes) {
    if (!rest.startsWith(prefix)) continue;
    const body = rest.slice(prefix.length);
    // `/ ping` is not a command: the name follows the prefix at once.
    if (body === '' || (prefix !== '' && /^\s/.test(body))) return null;
    return new LazyCall(prefix, body, settings.caseSensitive);
  }
  return null;
}

class LazyCall implements CommandCall {
  private split: Array<{ word: string; end: number }> | undefined;
  private first: string | undefined;

  constructor(
    readonly prefix: string,
    readonly body: string,
    private readonly caseSensitive: boolean,
  ) {}

  get head(): string {
    if (this.first === undefined) {
      const space = this.body.search(/\s/);
      this.first = (space < 0 ? this.body : this.body.slice(0, space)).toLowerCase();
    }
    return this.first;
  }

  get words(): ReadonlyArray<{ word: string; end: number }> {
    if (this.split === undefined) {
      this.split = [];
      for (const found of this.body.matchAll(WORD)) {
        const word = this.caseSensitive ? found[0] : found[0].toLowerCase();
        this.split.push({ word, end: (found.index ?? 0) + found[0].length });
      }
    }
    return this.split;
  }
}
