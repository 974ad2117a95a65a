import { setMaxListeners } from 'node:events';
import { errorText, type Logger, VkwireConfigError } from '@vkwire/core';
import { Cron } from 'croner';
import { parseDuration } from './args/duration.js';

/** What a background task gets on each run. */
export interface TaskContext {
  /** Aborted when the bot stops and the run has to give up. */
  readonly signal: AbortSignal;
  /** When the run was scheduled. */
  readonly scheduledAt: Date;
}

/** A background task's body. */
export type TaskFunction = (task: TaskContext) => unknown;

/** Options of `bot.every` and `bot.cron`. */
export interface TaskOptions {
  /** A name for logs. @default the schedule */
  name?: string;
  /** Also run once as soon as the bot has started (for `every`). @default false */
  runOnStart?: boolean;
  /** Time zone of a cron expression (IANA name, e.g. `'Europe/Moscow'`). @default the process's */
  timezone?: string;
}

/**
 * One scheduled task: runs its function on a schedule while started; a run never overlaps the
 * previous one (a run still going when the next is due skips that turn). `stop()` cancels the
 * timer and waits for a running run (aborting its signal after the timeout).
 */
export class Task {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private controller: AbortController | undefined;
  private active = false;

  constructor(
    readonly name: string,
    private readonly next: (after: Date) => Date | undefined,
    private readonly fn: TaskFunction,
    private readonly runOnStart: boolean,
    private readonly logger: () => Logger,
  ) {}

  /** Schedules the first run. */
  start(): void {
    if (this.active) return;
    this.active = true;
    this.controller = new AbortController();
    // Every API call of a run listens to this signal; more than ten at once is no leak.
    setMaxListeners(0, this.controller.signal);
    if (this.runOnStart) this.fire(new Date());
    this.schedule();
  }

  private schedule(): void {
    if (!this.active) return;
    const now = new Date();
    const at = this.next(now);
    if (at === undefined) return;
    // setTimeout takes at most 2^31-1 ms; a later run is reached in steps.
    const delay = Math.min(Math.max(0, at.getTime() - now.getTime()), 2_147_483_647);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (Date.now() + 5 >= at.getTime()) this.fire(at);
      this.schedule();
    }, delay);
  }

  private fire(scheduledAt: Date): void {
    if (!this.active || this.running !== undefined) return;
    const signal = (this.controller as AbortController).signal;
    this.running = (async () => {
      try {
        await this.fn({ signal, scheduledAt });
      } catch (error) {
        this.logger().error(
          { task: this.name, error: errorText(error) },
          `background task "${this.name}" failed`,
        );
      } finally {
        this.running = undefined;
      }
    })();
  }

  /** Stops scheduling; waits up to `timeoutMs` for a run in progress, then aborts its signal. True when one was abandoned. */
  async stop(timeoutMs: number): Promise<boolean> {
    this.active = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const running = this.running;
    if (running === undefined) return false;
    let timeout: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      running.then(() => false),
      new Promise<boolean>((resolve) => {
        timeout = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timeout);
    if (late) this.controller?.abort(new Error(`background task "${this.name}" was abandoned by stop()`));
    return late;
  }
}

/** A task running every `interval` (milliseconds or a duration like `'10m'`). */
export function intervalTask(
  interval: number | string,
  fn: TaskFunction,
  options: TaskOptions,
  logger: () => Logger,
): Task {
  const ms = typeof interval === 'number' ? interval : parseDuration(interval);
  if (ms === undefined || !Number.isFinite(ms) || ms < 10)
    throw new VkwireConfigError(
      'Bot',
      'every(interval)',
      'a duration like "10m" or "1h30m", or milliseconds ≥ 10',
      {
        got: interval,
      },
    );
  return new Task(
    options.name ?? `every ${interval}`,
    (after) => new Date(after.getTime() + ms),
    fn,
    options.runOnStart ?? false,
    logger,
  );
}

/** A task running on a cron expression (`'0 9 * * 1-5'`; seconds as an optional 6th field first). */
export function cronTask(
  expression: string,
  fn: TaskFunction,
  options: TaskOptions,
  logger: () => Logger,
): Task {
  let cron: Cron;
  try {
    cron = new Cron(expression, {
      paused: true,
      ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
    });
  } catch (error) {
    throw new VkwireConfigError('Bot', 'cron(expression)', `a cron expression (${errorText(error)})`, {
      got: expression,
    });
  }
  return new Task(
    options.name ?? `cron ${expression}`,
    (after) => cron.nextRun(after) ?? undefined,
    fn,
    false,
    logger,
  );
}
