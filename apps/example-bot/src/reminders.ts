/**
 * Timers the bot owns: each reminder is a timer that runs its function once, later. `stop()`
 * cancels the timers that have not fired and waits for those firing now, so nothing of it runs
 * after the bot stopped. Reminders live in process memory: a restart forgets them.
 */
export class Reminders {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly firing = new Set<Promise<void>>();
  private stopped = false;

  /** @param onError where a reminder that failed to fire is reported (it is never silent) */
  constructor(private readonly onError: (error: unknown) => void = (error) => console.error(error)) {}

  /** How many reminders wait to fire. */
  get pending(): number {
    return this.timers.size;
  }

  /** Runs `fire` once, `delayMs` from now, unless `stop()` comes first. */
  add(delayMs: number, fire: () => Promise<unknown>): void {
    if (this.stopped) throw new Error('Reminders: stopped, no new reminder can be added');
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const run = fire().then(
        () => {},
        (error: unknown) => this.onError(error),
      );
      this.firing.add(run);
      void run.finally(() => this.firing.delete(run));
    }, delayMs);
    this.timers.add(timer);
  }

  /** Cancels what has not fired and waits for what is firing. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.firing);
  }
}
