/** One server-sent event as the feed sends it. */
export interface FeedEvent {
  event: string;
  data: Record<string, unknown>;
}

/**
 * Reads `GET /_sandbox/feed` over HTTP: `next(type)` waits for the next event of a type (skipping
 * others), `ended` resolves when the server ends the stream.
 */
export class FeedReader {
  private readonly events: FeedEvent[] = [];
  private readonly waiters: Array<() => void> = [];
  private done = false;
  /** What cut the stream off, when it did not end cleanly. */
  error: unknown;
  /** Resolves once the server closed the stream (every event before it is kept). */
  readonly ended: Promise<void>;

  private constructor(response: Response) {
    const body = response.body;
    if (!body) throw new Error('feed: no body');
    this.ended = this.read(body);
  }

  /** Opens the feed and waits for its `ready` event (the subscription is on from then). */
  static async open(url: string): Promise<FeedReader> {
    const response = await fetch(url);
    if (response.status !== 200) throw new Error(`feed: HTTP ${response.status} ${await response.text()}`);
    const reader = new FeedReader(response);
    await reader.next('ready');
    return reader;
  }

  /** Every event received so far. */
  get received(): readonly FeedEvent[] {
    return this.events;
  }

  /** The next event of `type` not taken yet (rejects when the stream ends without one). */
  async next(type: string): Promise<FeedEvent> {
    for (;;) {
      const index = this.events.findIndex((event) => event.event === type && !this.taken.has(event));
      if (index >= 0) {
        const event = this.events[index] as FeedEvent;
        this.taken.add(event);
        return event;
      }
      if (this.done) throw new Error(`feed ended without a ${type} event`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private readonly taken = new Set<FeedEvent>();

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data !== '') this.events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
        this.wake();
      }
    } catch (error) {
      this.error = error;
    } finally {
      this.done = true;
      this.wake();
    }
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
