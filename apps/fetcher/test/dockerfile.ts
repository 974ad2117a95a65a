// A small reader of Dockerfiles, enough for the deploy test to check ours and to run its steps.

/** One instruction: its keyword in upper case and the rest of its line (continuations joined). */
export interface Instruction {
  keyword: string;
  args: string;
}

/** A build stage: what its FROM line says and the instructions after it. */
export interface Stage {
  from: string;
  instructions: Instruction[];
}

/**
 * The stages of a Dockerfile. Comment lines are dropped (inside continued lines too, as Docker
 * does) and lines ending in a backslash are joined with the next.
 */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  let pending = '';
  const finish = (line: string) => {
    const match = /^(\S+)\s*(.*)$/s.exec(line.trim());
    if (!match) return;
    const keyword = (match[1] as string).toUpperCase();
    const args = (match[2] as string).trim();
    if (keyword === 'FROM') stages.push({ from: args, instructions: [] });
    else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`Dockerfile: ${keyword} before the first FROM`);
      stage.instructions.push({ keyword, args });
    }
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    finish(pending + line);
    pending = '';
  }
  if (pending !== '') finish(pending);
  return stages;
}

/** The arguments of every `keyword` instruction of `stage`, in order. */
export function argsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((step) => step.keyword === keyword).map((step) => step.args);
}

/** The variables `stage` sets with ENV (`ENV A=1 B=2` and the old `ENV A 1`), quotes removed. */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const args of argsOf(stage, 'ENV')) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
      const [name, ...value] = args.split(/\s+/);
      env[name as string] = value.join(' ');
      continue;
    }
    for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S*)/g)) {
      env[match[1] as string] = (match[2] as string).replace(/^(["'])(.*)\1$/, '$2');
    }
  }
  return env;
}

/** The names an ARG or ENV instruction declares (with or without a value). */
export function declaredNames(instruction: Instruction): string[] {
  if (instruction.keyword === 'ARG') return [instruction.args.split('=')[0]?.trim() ?? ''];
  if (instruction.keyword !== 'ENV') return [];
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(instruction.args)) return [instruction.args.split(/\s+/)[0] ?? ''];
  return [...instruction.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g)].map((match) => match[1] as string);
}

/** The command of an exec-form (JSON array) CMD or HEALTHCHECK, after any `--option=value`s. */
export function execForm(args: string): string[] {
  const start = args.indexOf('[');
  if (start < 0) throw new Error(`not an exec-form command: ${args}`);
  const command: unknown = JSON.parse(args.slice(start));
  if (!Array.isArray(command) || !command.every((part) => typeof part === 'string')) {
    throw new Error(`not a JSON array of strings: ${args}`);
  }
  return command;
}
