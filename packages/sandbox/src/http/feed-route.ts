import type { Context } from 'hono';
import type { FeedItem } from '../feed.js';
import type { SandboxState } from '../state.js';
import type { SandboxEnv } from './hold.js';

/** Chunks a slow reader may fall behind by before its stream is ended with an `overflow` event. */
const MAX_QUEUED = 10_000;

/**
 * `GET /_sandbox/feed[?peer=<id>]`: the live feed as server-sent events. Each item is an event
 * named by its `type` with the item as JSON `data`; `ready` comes first (the subscription is on),
 * `end` last, when the sandbox closes. A reader too slow to keep up gets `overflow` and the
 * stream ends (reload the history from `GET /_sandbox/messages`).
 */
export function feedHandler(state: SandboxState) {
  return (c: Context<SandboxEnv>): Response => {
    const raw = c.req.query('peer');
    const peer = raw === undefined ? undefined : Number(raw);
    if (peer !== undefined && (raw?.trim() === '' || !Number.isSafeInteger(peer))) {
      return c.json({ error: 'peer must be an integer', field: 'peer' }, 400);
    }
    if (state.feed.closed) return c.json({ error: 'the sandbox is closing' }, 503);
    let unsubscribe = (): void => {};
    let open = true;
    const outgoing = c.env?.outgoing;
    if (outgoing) {
      // A reader that went away stops listening at once (not at the next item).
      outgoing.once('close', () => {
        open = false;
        unsubscribe();
      });
      // The sandbox's close() waits for these to be written out, so that `end` reaches the reader.
      const done = new Promise<void>((resolve) => {
        const settle = (): void => {
          state.feedStreams.delete(done);
          resolve();
        };
        outgoing.once('finish', settle);
        outgoing.once('close', settle);
      });
      state.feedStreams.add(done);
    }
    const encoder = new TextEncoder();
    let seq = 0;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (event: string, data: unknown): void => {
          seq += 1;
          controller.enqueue(
            encoder.encode(`id: ${seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
          );
        };
        const finish = (event: string, data: unknown): void => {
          if (!open) return;
          open = false;
          unsubscribe();
          send(event, data);
          controller.close();
        };
        unsubscribe = state.feed.subscribe({
          item(item: FeedItem) {
            if (!open || (peer !== undefined && item.peerId !== peer)) return;
            if ((controller.desiredSize ?? 0) < -MAX_QUEUED) {
              finish('overflow', { error: `the reader fell more than ${MAX_QUEUED} events behind` });
              return;
            }
            send(item.type, item);
          },
          end() {
            finish('end', {});
          },
        });
        controller.enqueue(encoder.encode('retry: 1000\n\n'));
        send('ready', peer === undefined ? {} : { peer });
      },
      cancel() {
        open = false;
        unsubscribe();
      },
    });
    return new Response(body, {
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
      },
    });
  };
}

const PLACEHOLDER = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240" viewBox="0 0 320 240"><rect width="320" height="240" fill="#dfe3e8"/><path d="M110 170l40-50 30 35 20-22 40 37z" fill="#aab4c0"/><circle cx="205" cy="90" r="16" fill="#aab4c0"/></svg>`;

/**
 * `GET /_sandbox/media/<type><owner>_<id>`: the bytes of an uploaded photo or document; a grey
 * picture for media the sandbox made up (simulated attachments, no bytes); 410 when the byte
 * budget pushed the file out; 404 for media the sandbox does not know.
 */
export function mediaHandler(state: SandboxState) {
  return (c: Context<SandboxEnv>): Response => {
    const key = c.req.param('key') ?? '';
    const file = state.mediaFiles.get(key);
    if (file === 'evicted') {
      return c.json({ error: `${key}: dropped to keep the sandbox's upload storage bounded` }, 410);
    }
    if (file) {
      return new Response(file.data, {
        headers: {
          'content-type': file.mime,
          'content-disposition': `inline; filename="${file.fileName.replace(/[^\w.-]/g, '_')}"`,
        },
      });
    }
    const known = state.media.get(key);
    if (known?.type === 'photo')
      return new Response(PLACEHOLDER, { headers: { 'content-type': 'image/svg+xml' } });
    if (known) {
      return c.json(
        { error: `${key} has no bytes: the sandbox made it up, or its upload was past the 64 MB budget` },
        404,
      );
    }
    return c.json({ error: `${key}: no such media in this sandbox` }, 404);
  };
}
