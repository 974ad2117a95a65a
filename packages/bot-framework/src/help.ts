import type { CommandInfo } from './commands/command.js';
import type { BaseContext } from './context.js';
import type { MiddlewareFn } from './middleware.js';

/** The text of `/help`: every visible command with its description. */
export function helpText(commands: readonly CommandInfo[], prefix: string): string {
  const visible = commands.filter((command) => !command.hidden);
  if (visible.length === 0) return 'No commands yet.';
  const lines = visible.map(
    (command) =>
      `${prefix}${command.name}${command.description === undefined ? '' : ` — ${command.description}`}`,
  );
  return ['Commands:', ...lines].join('\n');
}

/** The text of `/help <command>`: usage, aliases, arguments and examples of one command. */
export function commandHelpText(command: CommandInfo, prefix: string): string {
  const lines = [`Usage: ${command.usage.replace(/^\//, prefix)}`];
  if (command.description !== undefined) lines.unshift(command.description);
  if (command.aliases.length > 0)
    lines.push(`Also: ${command.aliases.map((alias) => `${prefix}${alias}`).join(', ')}`);
  for (const argument of command.args as ReadonlyArray<{ name?: string; description?: string }>)
    if (argument.description !== undefined) lines.push(`  ${argument.name ?? ''}: ${argument.description}`);
  if (command.examples.length > 0)
    lines.push('Examples:', ...command.examples.map((example) => `  ${example}`));
  return lines.join('\n');
}

/**
 * The generated help command: `/help` lists the commands, `/help <name>` shows one. It runs after
 * the whole tree, so a help command of your own answers first.
 */
export function helpMiddleware<C extends BaseContext>(
  name: string,
  list: () => CommandInfo[],
): MiddlewareFn<C> {
  return async (ctx, next) => {
    const call = ctx.commandCall;
    const words = call?.words;
    const wanted = ctx.commandSettings.caseSensitive ? name : name.toLowerCase();
    if (call === null || words === undefined || words[0]?.word !== wanted) return next();
    const commands = list();
    const asked = words
      .slice(1)
      .map((item) => item.word)
      .join(' ');
    if (asked === '') {
      await ctx.reply(helpText(commands, call.prefix));
      return;
    }
    const normalized = ctx.commandSettings.caseSensitive ? asked : asked.toLowerCase();
    const command = commands.find((item) =>
      [item.name, ...item.aliases].some(
        (alias) => (ctx.commandSettings.caseSensitive ? alias : alias.toLowerCase()) === normalized,
      ),
    );
    await ctx.reply(
      command === undefined
        ? `No command "${asked}". ${helpText(commands, call.prefix)}`
        : commandHelpText(command, call.prefix),
    );
  };
}
