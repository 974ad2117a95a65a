import type { Sandbox, SandboxUpdate } from '../src/index.js';
import { longPollServer, ok, poll } from './helpers.js';

/** Keyboards of the tiny bot, as JSON strings for messages.send. */
const MENU = JSON.stringify({
  inline: true,
  buttons: [
    [
      { action: { type: 'text', label: 'Yes', payload: '{"answer":"yes"}' }, color: 'positive' },
      { action: { type: 'text', label: 'No', payload: '{"answer":"no"}' }, color: 'negative' },
    ],
    [{ action: { type: 'callback', label: 'Count', payload: '{"cmd":"count"}' }, color: 'primary' }],
    [{ action: { type: 'open_link', label: 'Docs', link: 'https://dev.vk.com/' } }],
  ],
});
const BOTTOM = JSON.stringify({
  one_time: true,
  buttons: [[{ action: { type: 'text', label: 'Menu', payload: '{"cmd":"menu"}' }, color: 'secondary' }]],
});

let randomId = 1;

/**
 * A bot made of plain HTTP calls to the sandbox's API (Bots Long Poll + messages.*), for the
 * chat page's browser test: `hello` → a menu with an inline keyboard and a one-time bottom
 * keyboard; text buttons answer with their payload; `Count` (callback) → a snackbar; a photo →
 * a photo the bot uploads back. `stop()` ends its poll loop (the loop's owner is the test).
 */
export class TinyBot {
  private readonly abort = new AbortController();
  private readonly loop: Promise<void>;
  private counter = 0;
  /** Errors of handlers (a test asserts there were none). */
  readonly errors: unknown[] = [];

  constructor(private readonly vk: Sandbox) {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop.catch(() => {});
  }

  private async run(): Promise<void> {
    const session = await longPollServer(this.vk);
    while (!this.abort.signal.aborted) {
      let answer: Awaited<ReturnType<typeof poll>>;
      try {
        answer = await poll(session, 25, this.abort.signal);
      } catch (error) {
        if (this.abort.signal.aborted) return;
        throw error;
      }
      session.ts = String(answer.ts);
      for (const update of answer.updates ?? []) {
        try {
          await this.handle(update);
        } catch (error) {
          this.errors.push(error);
        }
      }
    }
  }

  private call(method: string, params: Record<string, string | number>): Promise<unknown> {
    return ok(this.vk, method, params);
  }

  private async reply(peerId: number, message: string, extra: Record<string, string | number> = {}) {
    await this.call('messages.setActivity', { peer_id: peerId, type: 'typing' });
    return this.call('messages.send', { peer_id: peerId, message, random_id: randomId++, ...extra });
  }

  private async handle(update: SandboxUpdate): Promise<void> {
    if (update.type === 'message_event') {
      const event = update.object as { event_id: string; user_id: number; peer_id: number };
      this.counter += 1;
      await this.call('messages.sendMessageEventAnswer', {
        event_id: event.event_id,
        user_id: event.user_id,
        peer_id: event.peer_id,
        event_data: JSON.stringify({ type: 'show_snackbar', text: `Counted: ${this.counter}` }),
      });
      return;
    }
    if (update.type !== 'message_new') return;
    const message = update.object.message as {
      peer_id: number;
      text: string;
      payload?: string;
      action?: { type: string; member_id?: number };
      attachments: Array<{ type: string }>;
    };
    const peerId = message.peer_id;
    if (message.action?.type === 'chat_invite_user' && message.action.member_id === -this.vk.group.id) {
      await this.reply(peerId, 'Hi all! Write "hello" to see the menu.');
      return;
    }
    if (message.action) return;
    if (message.attachments.some((attachment) => attachment.type === 'photo')) {
      await this.replyWithPhoto(peerId);
      return;
    }
    if (message.payload) {
      const payload = JSON.parse(message.payload) as { answer?: string; cmd?: string };
      if (payload.cmd === 'menu') await this.reply(peerId, 'The menu again', { keyboard: MENU });
      else await this.reply(peerId, `You said ${payload.answer ?? message.payload}`);
      return;
    }
    if (message.text.toLowerCase() === 'hello') {
      await this.reply(peerId, 'Welcome! A bottom keyboard for you.', { keyboard: BOTTOM });
      await this.reply(peerId, 'Pick one:', { keyboard: MENU });
      return;
    }
    if (message.text === 'edit') {
      await this.reply(peerId, 'Draft');
      const cmid = await this.lastCmid(peerId);
      await this.call('messages.edit', {
        peer_id: peerId,
        conversation_message_id: cmid,
        message: 'Final text',
      });
      return;
    }
    if (message.text === 'delete') {
      await this.reply(peerId, 'Temporary');
      await this.call('messages.delete', {
        peer_id: peerId,
        cmids: await this.lastCmid(peerId),
        delete_for_all: 1,
      });
      await this.reply(peerId, 'Deleted it');
      return;
    }
    if (message.text === 'doc') {
      await this.replyWithDoc(peerId);
      return;
    }
    await this.reply(peerId, `Echo: ${message.text}`);
  }

  /** The cmid of the bot's newest message in a peer, as the sandbox's inspection API tells. */
  private async lastCmid(peerId: number): Promise<number> {
    const sent = this.vk.sent({ peer: peerId }).at(-1);
    if (!sent) throw new Error(`nothing sent to ${peerId}`);
    return sent.cmid;
  }

  /** Uploads a text document and sends it. */
  private async replyWithDoc(peerId: number): Promise<void> {
    const server = (await this.call('docs.getMessagesUploadServer', { peer_id: peerId, type: 'doc' })) as {
      upload_url: string;
    };
    const form = new FormData();
    form.set('file', new Blob(['Bot report\nall good\n'], { type: 'text/plain' }), 'report.txt');
    const uploaded = (await (await fetch(server.upload_url, { method: 'POST', body: form })).json()) as {
      file: string;
    };
    const saved = (await this.call('docs.save', { file: uploaded.file })) as {
      doc: { owner_id: number; id: number; access_key: string };
    };
    await this.reply(peerId, 'Your report', {
      attachment: `doc${saved.doc.owner_id}_${saved.doc.id}_${saved.doc.access_key}`,
    });
  }

  /** Uploads a photo (an SVG drawn here, sent as the upload's bytes) and sends it. */
  private async replyWithPhoto(peerId: number): Promise<void> {
    const server = (await this.call('photos.getMessagesUploadServer', { peer_id: peerId })) as {
      upload_url: string;
    };
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="160"><rect width="240" height="160" fill="#2688eb"/><text x="120" y="92" font-size="28" text-anchor="middle" fill="#fff" font-family="sans-serif">bot photo</text></svg>';
    const form = new FormData();
    form.set('photo', new Blob([svg], { type: 'image/svg+xml' }), 'bot.svg');
    const uploaded = (await (await fetch(server.upload_url, { method: 'POST', body: form })).json()) as {
      server: number;
      photo: string;
      hash: string;
    };
    const [photo] = (await this.call('photos.saveMessagesPhoto', {
      server: uploaded.server,
      photo: uploaded.photo,
      hash: uploaded.hash,
    })) as Array<{ owner_id: number; id: number; access_key: string }>;
    if (!photo) throw new Error('photos.saveMessagesPhoto returned nothing');
    await this.reply(peerId, 'Nice photo! Here is mine.', {
      attachment: `photo${photo.owner_id}_${photo.id}_${photo.access_key}`,
    });
  }
}
