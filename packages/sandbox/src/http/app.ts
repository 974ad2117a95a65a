import { Hono } from 'hono';
import type { MethodTable } from '../api/context.js';
import type { FaultAction, FaultOptions, FaultTarget } from '../faults.js';
import { answerBotsLongPoll } from '../longpoll/bots-longpoll.js';
import { answerUserLongPoll } from '../longpoll/user-longpoll.js';
import type { BulkMessagesOptions, Sandbox } from '../sandbox.js';
import type { SandboxState } from '../state.js';
import { apiHandler } from './api-route.js';
import { addChatPage } from './chat-page.js';
import { addChatRoutes } from './chat-routes.js';
import { addControlRoutes } from './control-routes.js';
import { feedHandler, mediaHandler } from './feed-route.js';
import type { SandboxEnv } from './hold.js';
import { longPollRoute } from './longpoll-route.js';
import { uploadHandler } from './upload-route.js';

const FAULT_TARGETS: ReadonlySet<string> = new Set(['api', 'longPoll', 'userLongPoll', 'upload']);

/** The sandbox's HTTP face: VK's endpoints plus a small JSON control API under `/_sandbox`. */
export function createApp(
  state: SandboxState,
  methods: MethodTable,
  closing: AbortSignal,
  sandbox: () => Sandbox,
): Hono<SandboxEnv> {
  const app = new Hono<SandboxEnv>();
  const api = apiHandler(state, methods, closing);
  app.get('/method/:name', api);
  app.post('/method/:name', api);
  app.get('/whp/:groupId', longPollRoute(state, closing, answerBotsLongPoll, 'groupId'));
  app.get('/im/:owner', longPollRoute(state, closing, answerUserLongPoll, 'owner'));
  app.post('/upload/:kind', uploadHandler(state, closing));

  // The control API lets a process that did not create the sandbox (a benchmark, a bot in
  // another language, the standalone server) drive it.
  app.get('/_sandbox', (c) =>
    c.json({
      url: state.origin,
      apiUrl: `${state.origin}/method`,
      groups: sandbox().groups.map(({ id, name, screenName, token }) => ({ id, name, screenName, token })),
      ...(state.options.chat ? { chatUrl: `${state.origin}/` } : {}),
    }),
  );
  app.post('/_sandbox/bulk', async (c) => {
    const body = await c.req.json<BulkMessagesOptions & { count?: number }>();
    if (!Number.isInteger(body.count) || (body.count ?? 0) <= 0)
      return c.json({ error: 'count must be a positive integer' }, 400);
    try {
      return c.json(sandbox().bulk.messages(body.count ?? 0, body));
    } catch (error) {
      return c.json({ error: error instanceof Error ? error.message : String(error) }, 400);
    }
  });
  app.post('/_sandbox/faults', async (c) => {
    const body = await c.req.json<{ target?: string; action?: FaultAction; options?: FaultOptions }>();
    if (!body.target || !FAULT_TARGETS.has(body.target) || !body.action) {
      return c.json(
        { error: 'expected { target: api|longPoll|userLongPoll|upload, action: {kind, ...}, options? }' },
        400,
      );
    }
    state.faults.inject(body.target as FaultTarget, body.action, body.options ?? {});
    return c.json({ active: state.faults.active });
  });
  app.delete('/_sandbox/faults', (c) => {
    state.faults.clear();
    return c.json({ active: 0 });
  });
  app.get('/_sandbox/sent', (c) => {
    const peer = c.req.query('peer');
    return c.json(sandbox().sent(peer === undefined ? {} : { peer: Number(peer) }));
  });
  app.get('/_sandbox/stats', (c) =>
    c.json({ rateLimited: state.rateLimiter.totalRejected(), calls: state.calls.length }),
  );
  addChatRoutes(app, sandbox);
  addControlRoutes(app, state, sandbox);
  app.get('/_sandbox/feed', feedHandler(state));
  app.get('/_sandbox/media/:key', mediaHandler(state));
  if (state.options.chat) addChatPage(app);
  app.notFound((c) => c.text('not found', 404));
  return app;
}
