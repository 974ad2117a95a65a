import { z } from 'zod';

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const schema = z
  .object({
    PORT: z.preprocess(
      (value) => (value === '' || value === undefined ? '8080' : value),
      z.coerce.number().int().min(0).max(65535),
    ),
    VK_API_URL: optional(z.url({ protocol: /^https?$/ })),
    VK_TOKEN: optional(z.string().min(1)),
    PUBLIC_URL: optional(z.url({ protocol: /^https?$/ })),
    REDIS_URL: optional(z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')),
  })
  .refine((env) => env.VK_TOKEN !== undefined || env.PUBLIC_URL === undefined, {
    path: ['PUBLIC_URL'],
    message: 'PUBLIC_URL is for real VK: set VK_TOKEN too',
  })
  .refine((env) => env.VK_TOKEN !== undefined || env.VK_API_URL === undefined, {
    path: ['VK_API_URL'],
    message: 'VK_API_URL is for real VK mode: set VK_TOKEN too (offline, the bot uses its embedded sandbox)',
  });

/** The example bot's settings, from the environment. */
export interface Settings {
  /** The chat page's port (offline), or the Callback API server's (with `PUBLIC_URL`). `0`: any free one. */
  PORT: number;
  /** The API base on real VK (a sandbox's `apiUrl` to try the VK modes offline). */
  VK_API_URL?: string | undefined;
  /** A community token: run on VK instead of the embedded sandbox. */
  VK_TOKEN?: string | undefined;
  /** Where VK reaches the bot: the Callback API with AutoSetting instead of long poll. */
  PUBLIC_URL?: string | undefined;
  /** Redis for the bot's state instead of memory. */
  REDIS_URL?: string | undefined;
}

/** A setting the environment got wrong; `message` names each, one line. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(
    /** `VARIABLE: what is wrong`, one per bad setting. */
    readonly problems: readonly string[],
  ) {
    super(`bad settings: ${problems.join('; ')}`);
  }
}

/** Reads the settings from `env`; throws `SettingsError` naming every bad variable (never its value). */
export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const result = schema.safeParse({
    PORT: env.PORT,
    VK_API_URL: env.VK_API_URL,
    VK_TOKEN: env.VK_TOKEN,
    PUBLIC_URL: env.PUBLIC_URL,
    REDIS_URL: env.REDIS_URL,
  });
  if (!result.success)
    throw new SettingsError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  return result.data;
}
