// The sandbox's chat page: a VK-like client of the control API (/_sandbox/...) and its live feed
// (GET /_sandbox/feed, server-sent events). No build step; it runs as it is in the browser.

const CHAT_PEER_BASE = 2000000000;
const TYPING_SHOWN_MS = 5000;
const TYPING_SENT_EVERY_MS = 4000;
const SNACKBAR_MS = 4000;
/** VK's reaction ids (1–8 of the default set) and how the page shows them. */
const REACTIONS = { 1: '❤️', 2: '🔥', 3: '😂', 4: '👍', 5: '💩', 6: '❓', 7: '😭', 8: '👎' };
const STORAGE_KEY = 'vkwire-sandbox-user';

const $ = (id) => document.getElementById(id);

const state = {
  groups: [],
  /** id → { id, firstName, lastName } */
  users: new Map(),
  me: 0,
  dialogs: [],
  /** The open dialog: { kind: 'group' | 'chat', peerId, groupId, title, members? } */
  current: null,
  /** cmid → message view of the open dialog */
  messages: new Map(),
  /** cmid → Map(userId → reactionId) */
  reactions: new Map(),
  /** dialog key → unread count */
  unread: new Map(),
  /** The bottom keyboard of the open dialog: { cmid, keyboard } */
  bottom: null,
  /** event_id → the pressed button's key, until the bot answers */
  pending: new Map(),
  /** event_ids answered before the press's own request returned */
  answered: new Set(),
  replyTo: null,
  forward: [],
  typing: new Map(),
  lastTypingSent: 0,
  pickerFor: null,
};

// ---------------------------------------------------------------- helpers

/** Builds an element: h('div', { class: 'x', onclick }, child, 'text', ...). */
function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else if (key === 'class') element.className = value;
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

async function api(method, path, body) {
  const init = { method };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.headers = { 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status}`);
  return answer;
}

function isChat(peerId) {
  return peerId > CHAT_PEER_BASE;
}

function dialogKey(kind, peerId, groupId) {
  return kind === 'chat' || isChat(peerId) ? `c${peerId}` : `g${groupId}:${peerId}`;
}

function nameOf(id) {
  if (id < 0) return state.groups.find((group) => group.id === -id)?.name ?? `Community ${-id}`;
  const user = state.users.get(id);
  return user ? `${user.firstName} ${user.lastName}` : `User ${id}`;
}

function initials(name) {
  return name
    .split(/\s+/)
    .slice(0, 2)
    .map((part) => part[0] ?? '')
    .join('')
    .toUpperCase();
}

function avatar(id, small = false, name = nameOf(id)) {
  const kind = id < 0 ? 'group' : isChat(id) ? 'chat' : 'user';
  return h('div', { class: `avatar ${kind}${small ? ' small' : ''}` }, initials(name));
}

function mediaUrl(type, object) {
  return `/_sandbox/media/${type}${object.owner_id}_${object.id}`;
}

function showSnackbar(...content) {
  const snackbar = $('snackbar');
  snackbar.replaceChildren(...content);
  snackbar.hidden = false;
  clearTimeout(showSnackbar.timer);
  showSnackbar.timer = setTimeout(() => {
    snackbar.hidden = true;
  }, SNACKBAR_MS);
}

function fail(error) {
  showSnackbar(h('span', { class: 'error' }, String(error.message ?? error)));
}

function summary(message) {
  if (!message) return 'No messages yet';
  if (message.action) return serviceText(message);
  const who = message.from_id === state.me ? 'You: ' : '';
  const text = message.text || (message.attachments?.length ? `[${message.attachments[0].type}]` : '');
  return `${who}${text}`;
}

function serviceText(message) {
  const action = message.action;
  const who = nameOf(message.from_id);
  const member = action.member_id === undefined ? '' : nameOf(action.member_id);
  switch (action.type) {
    case 'chat_create':
      return `${who} created the chat «${action.text}»`;
    case 'chat_invite_user':
      return `${who} invited ${member}`;
    case 'chat_invite_user_by_link':
      return `${member} joined by link`;
    case 'chat_invite_user_by_message_request':
      return `${member} joined by request`;
    case 'chat_kick_user':
      return action.member_id === message.from_id ? `${who} left the chat` : `${who} removed ${member}`;
    case 'chat_title_update':
      return `${who} renamed the chat to «${action.text}»`;
    case 'chat_photo_update':
      return `${who} updated the chat photo`;
    case 'chat_photo_remove':
      return `${who} removed the chat photo`;
    case 'chat_pin_message':
      return `${who} pinned a message`;
    case 'chat_unpin_message':
      return `${who} unpinned a message`;
    case 'chat_screenshot':
      return `${member} took a screenshot`;
    default:
      return `${who}: ${action.type}`;
  }
}

// ---------------------------------------------------------------- users and dialogs

async function loadUsers() {
  const users = await api('GET', '/_sandbox/users');
  for (const user of users) state.users.set(user.id, user);
}

async function ensureUser(id) {
  if (state.users.has(id) || id < 0) return;
  const user = await api('GET', `/_sandbox/users/${id}`);
  state.users.set(user.id, user);
}

function renderUserSelect() {
  const select = $('user-select');
  select.replaceChildren(
    ...[...state.users.values()].map((user) =>
      h(
        'option',
        { value: user.id, selected: user.id === state.me },
        `${user.firstName} ${user.lastName} (${user.id})`,
      ),
    ),
  );
}

async function switchUser(id) {
  state.me = id;
  localStorage.setItem(STORAGE_KEY, String(id));
  renderUserSelect();
  state.current = null;
  state.unread.clear();
  await loadDialogs();
  const first = state.dialogs[0];
  if (first) await openDialog(first);
}

async function loadDialogs() {
  state.dialogs = await api('GET', `/_sandbox/users/${state.me}/dialogs`);
  const missing = new Set(state.dialogs.flatMap((dialog) => dialog.members ?? []).filter((id) => id > 0));
  for (const id of missing) await ensureUser(id);
  renderDialogs();
}

function renderDialogs() {
  const active = state.current
    ? dialogKey(state.current.kind, state.current.peerId, state.current.groupId)
    : '';
  $('dialogs').replaceChildren(
    ...state.dialogs.map((dialog) => {
      const key = dialogKey(dialog.kind, dialog.peerId, dialog.groupId);
      const unread = state.unread.get(key) ?? 0;
      return h(
        'button',
        {
          type: 'button',
          class: `dialog${key === active ? ' active' : ''}`,
          'data-testid': `dialog-${key}`,
          onclick: () => openDialog(dialog).catch(fail),
        },
        avatar(dialog.kind === 'chat' ? dialog.peerId : -dialog.groupId, false, dialog.title),
        h(
          'div',
          { class: 'dialog-body' },
          h('div', { class: 'dialog-title' }, dialog.title),
          h('div', { class: 'dialog-last' }, summary(dialog.last)),
        ),
        unread > 0 ? h('span', { class: 'unread' }, unread) : null,
      );
    }),
  );
}

async function openDialog(dialog) {
  state.current = dialog;
  state.unread.delete(dialogKey(dialog.kind, dialog.peerId, dialog.groupId));
  state.messages.clear();
  state.reactions.clear();
  state.bottom = null;
  state.replyTo = null;
  state.forward = [];
  state.typing.clear();
  const { items } = await api('GET', `/_sandbox/messages?peer=${dialog.peerId}&groupId=${dialog.groupId}`);
  for (const item of items) {
    if (!item.deleted) remember(item);
  }
  for (const id of new Set(items.map((item) => item.from_id))) await ensureUser(id);
  renderDialogs();
  renderHeader();
  renderMessages(true);
  renderContext();
  $('text').focus();
}

/** Keeps a message of the open dialog; a bot's bottom keyboard replaces the one shown. */
function remember(message) {
  state.messages.set(message.conversation_message_id, message);
  const keyboard = message.keyboard;
  if (keyboard && !keyboard.inline && message.from_id < 0) {
    state.bottom = keyboard.buttons?.length ? { cmid: message.conversation_message_id, keyboard } : null;
  }
}

function renderHeader() {
  const dialog = state.current;
  const actions = $('peer-actions');
  if (!dialog) {
    $('peer-title').textContent = 'No dialog';
    actions.replaceChildren();
    return;
  }
  $('peer-title').textContent = dialog.title;
  renderStatus();
  const button = (label, run, testid) =>
    h(
      'button',
      {
        type: 'button',
        'data-testid': testid,
        onclick: () =>
          run()
            .then(() => showSnackbar(`${label}: done`))
            .catch(fail),
      },
      label,
    );
  const me = state.me;
  if (dialog.kind === 'group') {
    const groupId = dialog.groupId;
    actions.replaceChildren(
      button('Allow messages', () => api('POST', `/_sandbox/users/${me}/allow`, { groupId }), 'allow'),
      button('Deny', () => api('POST', `/_sandbox/users/${me}/deny`, { groupId }), 'deny'),
      button('Join', () => api('POST', `/_sandbox/users/${me}/join`, { groupId }), 'join'),
      button('Leave', () => api('POST', `/_sandbox/users/${me}/leave`, { groupId }), 'leave'),
    );
    return;
  }
  const chat = `/_sandbox/chats/${dialog.peerId}`;
  const botIn = (dialog.members ?? []).some((id) => id < 0);
  actions.replaceChildren(
    ...[
      botIn
        ? null
        : button(
            'Invite the bot',
            () => api('POST', `${chat}/inviteBot`, { by: me }).then(loadDialogs),
            'invite-bot',
          ),
      button(
        'Add member',
        async () => {
          const id = Number(prompt('User id to add'));
          if (!Number.isSafeInteger(id) || id <= 0) return;
          await ensureUser(id);
          await api('POST', `${chat}/invite`, { memberId: id, by: me });
          await loadDialogs();
        },
        'add-member',
      ),
      button(
        'Leave',
        () => api('POST', `${chat}/leave`, { memberId: me }).then(() => switchUser(me)),
        'leave-chat',
      ),
    ].filter(Boolean),
  );
}

function renderStatus() {
  const dialog = state.current;
  const status = $('peer-status');
  const typers = [...state.typing.keys()].filter((id) => id !== state.me);
  if (typers.length > 0) {
    status.className = 'peer-status typing';
    status.textContent = `${typers.map(nameOf).join(', ')} ${typers.length > 1 ? 'are' : 'is'} typing…`;
    return;
  }
  status.className = 'peer-status';
  if (!dialog) status.textContent = '';
  else if (dialog.kind === 'chat') status.textContent = `${dialog.members?.length ?? 0} members`;
  else status.textContent = `community ${dialog.groupId}`;
}

// ---------------------------------------------------------------- messages

/** Whether the message list shows its end (new messages then keep it there). */
let pinnedToBottom = true;

function keepAtBottom() {
  const box = $('messages');
  if (pinnedToBottom) box.scrollTop = box.scrollHeight;
}

function renderMessages(scroll = false) {
  const box = $('messages');
  const atBottom = pinnedToBottom;
  const rows = [...state.messages.values()]
    .sort((a, b) => a.conversation_message_id - b.conversation_message_id)
    .map(renderMessage);
  if (rows.length === 0) {
    const start =
      state.current?.kind === 'group'
        ? h(
            'button',
            {
              type: 'button',
              class: 'kb-button primary',
              'data-testid': 'start',
              onclick: () => send('Start', { payload: { command: 'start' } }),
            },
            'Start',
          )
        : null;
    box.replaceChildren(h('div', { class: 'empty' }, h('p', {}, 'No messages yet.'), start));
  } else box.replaceChildren(...rows);
  if (scroll || atBottom) box.scrollTop = box.scrollHeight;
  renderBottomKeyboard();
}

function renderMessage(message) {
  const cmid = message.conversation_message_id;
  if (message.action) return h('div', { class: 'service', 'data-cmid': cmid }, serviceText(message));
  const own = message.from_id === state.me;
  const showAuthor = !own && isChat(message.peer_id);
  const bubble = h(
    'div',
    { class: 'bubble' },
    showAuthor ? h('div', { class: 'author' }, nameOf(message.from_id)) : null,
    message.reply_message ? quote(message.reply_message) : null,
    message.fwd_messages?.length ? message.fwd_messages.map(quote) : null,
    message.attachments?.length ? message.attachments.map(renderAttachment) : null,
    message.text ? h('span', { class: 'text' }, message.text) : null,
    h(
      'span',
      { class: 'meta' },
      message.update_time ? h('span', { class: 'edited' }, 'edited ') : null,
      time(message.date),
    ),
  );
  const keyboard = message.keyboard?.inline ? renderKeyboard(message.keyboard, cmid) : null;
  const carousel = message.template?.type === 'carousel' ? renderCarousel(message.template, cmid) : null;
  const reactions = state.reactions.get(cmid);
  return h(
    'div',
    { class: `row${own ? ' own' : ''}`, 'data-cmid': cmid, 'data-testid': `message-${cmid}` },
    own ? null : avatar(message.from_id, true),
    h(
      'div',
      { class: 'bubble-wrap' },
      bubble,
      keyboard,
      carousel,
      reactions?.size
        ? h(
            'div',
            { class: 'reactions' },
            [...new Set(reactions.values())].map((id) =>
              h('span', { class: 'reaction' }, REACTIONS[id] ?? `#${id}`),
            ),
          )
        : null,
      state.pickerFor === cmid ? picker(cmid) : null,
    ),
    h(
      'div',
      { class: 'tools' },
      h(
        'button',
        { type: 'button', title: 'Reply', 'data-testid': `reply-${cmid}`, onclick: () => setReply(cmid) },
        '↩',
      ),
      h(
        'button',
        {
          type: 'button',
          title: 'Forward',
          'data-testid': `forward-${cmid}`,
          onclick: () => addForward(cmid),
        },
        '↪',
      ),
      h(
        'button',
        { type: 'button', title: 'React', 'data-testid': `react-${cmid}`, onclick: () => togglePicker(cmid) },
        '☺',
      ),
    ),
  );
}

function time(date) {
  return new Date(date * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function quote(message) {
  return h(
    'div',
    { class: 'quote' },
    h('div', { class: 'author' }, nameOf(message.from_id)),
    message.text || (message.attachments?.length ? `[${message.attachments[0].type}]` : ''),
  );
}

function renderAttachment(attachment) {
  const object = attachment[attachment.type] ?? {};
  switch (attachment.type) {
    case 'photo':
      return h('img', {
        class: 'photo',
        src: mediaUrl('photo', object),
        alt: object.text || 'photo',
        'data-testid': 'photo',
        onload: keepAtBottom,
      });
    case 'doc':
      return h(
        'a',
        {
          class: 'doc',
          href: mediaUrl('doc', object),
          target: '_blank',
          rel: 'noopener',
          'data-testid': 'doc',
        },
        h('span', { class: 'doc-icon' }, object.ext || 'doc'),
        h(
          'span',
          {},
          object.title ?? 'document',
          h('br'),
          h('small', {}, `${Math.ceil((object.size ?? 0) / 1024)} KB`),
        ),
      );
    case 'audio_message':
      return h(
        'div',
        { class: 'doc' },
        h('span', { class: 'doc-icon' }, '🎤'),
        `voice message, ${object.duration ?? 0} s`,
      );
    case 'sticker':
      return h('div', { style: 'font-size: 48px' }, '🐱');
    default:
      return h('div', { class: 'quote' }, `[${attachment.type}]`);
  }
}

function buttonKey(cmid, place) {
  return `${cmid}:${place.element ?? 'k'}:${place.row}:${place.column}`;
}

/** A keyboard as VK draws it: rows of buttons, colored (text/callback) or secondary. */
function renderKeyboard(keyboard, cmid, element) {
  return h(
    'div',
    { class: 'keyboard' },
    keyboard.buttons.map((row, rowIndex) =>
      h(
        'div',
        { class: 'keyboard-row' },
        row.map((button, column) =>
          renderButton(button, cmid, {
            element,
            row: element === undefined ? rowIndex : 0,
            column: element === undefined ? column : column,
          }),
        ),
      ),
    ),
  );
}

function renderButton(button, cmid, place) {
  const action = button.action ?? {};
  const colored = action.type === 'text' || action.type === 'callback';
  const color = colored && button.color && button.color !== 'default' ? button.color : 'secondary';
  const pending = [...state.pending.values()].includes(buttonKey(cmid, place));
  const label =
    action.label ??
    (action.type === 'location'
      ? '📍 Send location'
      : action.type === 'vkpay'
        ? 'Pay with VK Pay'
        : action.type);
  return h(
    'button',
    {
      type: 'button',
      class: `kb-button ${color}${pending ? ' pending' : ''}`,
      title: action.type === 'open_link' ? action.link : action.type,
      'data-testid': 'kb-button',
      'data-type': action.type,
      onclick: () => press(cmid, place, action).catch(fail),
    },
    action.type === 'open_link' ? `${label} ↗` : label,
  );
}

function renderCarousel(template, cmid) {
  return h(
    'div',
    { class: 'carousel', 'data-testid': 'carousel' },
    (template.elements ?? []).map((item, index) => {
      const photo = typeof item.photo_id === 'string' ? item.photo_id.match(/^(-?\d+)_(\d+)/) : null;
      return h(
        'div',
        { class: 'card' },
        photo ? h('img', { src: `/_sandbox/media/photo${photo[1]}_${photo[2]}`, alt: '' }) : null,
        h(
          'div',
          { class: 'card-body' },
          item.title ? h('div', { class: 'card-title' }, item.title) : null,
          item.description ? h('div', { class: 'card-description' }, item.description) : null,
        ),
        renderKeyboard({ buttons: [item.buttons ?? []] }, cmid, index),
      );
    }),
  );
}

function renderBottomKeyboard() {
  const box = $('bottom-keyboard');
  if (!state.bottom) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.hidden = false;
  box.replaceChildren(renderKeyboard(state.bottom.keyboard, state.bottom.cmid));
}

// ---------------------------------------------------------------- actions

function target() {
  const dialog = state.current;
  if (!dialog) throw new Error('open a dialog first');
  return dialog.kind === 'chat' ? { peerId: dialog.peerId } : { groupId: dialog.groupId };
}

async function send(text, extra = {}) {
  const body = { text, ...target(), ...extra };
  if (state.replyTo !== null) body.replyTo = state.replyTo;
  if (state.forward.length > 0) body.forward = state.forward;
  await api('POST', `/_sandbox/users/${state.me}/send`, body);
  state.replyTo = null;
  state.forward = [];
  renderContext();
}

async function press(cmid, place, action) {
  const dialog = state.current;
  if (action.type === 'open_link') {
    window.open(action.link, '_blank', 'noopener');
    return;
  }
  const body = { peerId: dialog.peerId, groupId: dialog.groupId, cmid, column: place.column, row: place.row };
  if (place.element !== undefined) body.element = place.element;
  const answer = await api('POST', `/_sandbox/users/${state.me}/press`, body);
  if (answer.kind === 'callback' && !state.answered.delete(answer.eventId)) {
    state.pending.set(answer.eventId, buttonKey(cmid, place));
    renderMessages();
  }
  // A one-time keyboard goes away after any of its buttons is pressed, as in VK's apps.
  if (state.bottom?.cmid === cmid && state.bottom.keyboard.one_time) {
    state.bottom = null;
    renderBottomKeyboard();
  }
}

function setReply(cmid) {
  state.replyTo = cmid;
  state.forward = [];
  renderContext();
  $('text').focus();
}

function addForward(cmid) {
  state.replyTo = null;
  if (!state.forward.includes(cmid)) state.forward.push(cmid);
  renderContext();
  $('text').focus();
}

function togglePicker(cmid) {
  state.pickerFor = state.pickerFor === cmid ? null : cmid;
  renderMessages();
}

function picker(cmid) {
  return h(
    'div',
    { class: 'picker' },
    Object.entries(REACTIONS).map(([id, emoji]) =>
      h(
        'button',
        {
          type: 'button',
          'data-testid': `reaction-${id}`,
          onclick: () => {
            state.pickerFor = null;
            const dialog = state.current;
            api('POST', `/_sandbox/users/${state.me}/react`, {
              peerId: dialog.peerId,
              groupId: dialog.groupId,
              cmid,
              reactionId: Number(id),
            }).catch(fail);
          },
        },
        emoji,
      ),
    ),
  );
}

function renderContext() {
  const box = $('compose-context');
  let text = '';
  if (state.replyTo !== null) {
    const message = state.messages.get(state.replyTo);
    text = `Reply to ${nameOf(message?.from_id ?? 0)}: ${message?.text ?? ''}`;
  } else if (state.forward.length > 0) {
    text = `Forwarding ${state.forward.length} message${state.forward.length > 1 ? 's' : ''}`;
  }
  box.hidden = text === '';
  box.replaceChildren(
    h('span', { 'data-testid': 'compose-context' }, text),
    h(
      'button',
      {
        type: 'button',
        title: 'Cancel',
        onclick: () => {
          state.replyTo = null;
          state.forward = [];
          renderContext();
        },
      },
      '✕',
    ),
  );
}

async function sendPhoto(file) {
  const form = new FormData();
  form.set('photo', file, file.name);
  const { attachment } = await api('POST', `/_sandbox/users/${state.me}/photos`, form);
  const text = $('text').value;
  $('text').value = '';
  await send(text, { attachments: [attachment] });
}

async function createChat(form) {
  const data = new FormData(form);
  const others = String(data.get('members') ?? '')
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number)
    .filter((id) => Number.isSafeInteger(id) && id > 0 && id !== state.me);
  for (const id of others) await ensureUser(id);
  const chat = await api('POST', '/_sandbox/chats', {
    title: String(data.get('title') || 'Chat'),
    members: [state.me, ...others],
    ...(data.get('bot') ? {} : { groupIds: [] }),
  });
  await loadDialogs();
  const dialog = state.dialogs.find((item) => item.peerId === chat.peerId);
  if (dialog) await openDialog(dialog);
}

// ---------------------------------------------------------------- the live feed

function belongsHere(item) {
  const dialog = state.current;
  if (!dialog) return false;
  if (dialog.kind === 'chat') return item.peerId === dialog.peerId;
  return item.peerId === dialog.peerId && item.groupId === dialog.groupId && item.peerId === state.me;
}

function mine(item) {
  return isChat(item.peerId)
    ? state.dialogs.some((dialog) => dialog.peerId === item.peerId)
    : item.peerId === state.me;
}

async function onItem(item) {
  if (item.type === 'message_new' || item.type === 'message_edit') await ensureUser(item.message.from_id);
  const here = belongsHere(item);
  switch (item.type) {
    case 'message_new':
    case 'message_edit': {
      if (here) {
        state.typing.delete(item.message.from_id);
        remember(item.message);
        renderMessages();
        renderStatus();
      } else if (item.type === 'message_new' && mine(item) && item.message.from_id !== state.me) {
        const key = dialogKey(isChat(item.peerId) ? 'chat' : 'group', item.peerId, item.groupId);
        state.unread.set(key, (state.unread.get(key) ?? 0) + 1);
      }
      if (item.type === 'message_new' && (mine(item) || (isChat(item.peerId) && item.message.action))) {
        await loadDialogs();
        if (here && item.message.action && state.current) {
          state.current =
            state.dialogs.find((dialog) => dialog.peerId === state.current.peerId) ?? state.current;
          renderHeader();
        }
      }
      break;
    }
    case 'message_delete':
      if (here) {
        for (const cmid of item.cmids) state.messages.delete(cmid);
        if (state.bottom && item.cmids.includes(state.bottom.cmid)) state.bottom = null;
        renderMessages();
      }
      break;
    case 'typing':
      if (here && item.fromId !== state.me) {
        clearTimeout(state.typing.get(item.fromId));
        state.typing.set(
          item.fromId,
          setTimeout(() => {
            state.typing.delete(item.fromId);
            renderStatus();
          }, TYPING_SHOWN_MS),
        );
        renderStatus();
      }
      break;
    case 'reaction':
      if (here) {
        const reactions = state.reactions.get(item.cmid) ?? new Map();
        reactions.set(item.userId, item.reactionId);
        state.reactions.set(item.cmid, reactions);
        renderMessages();
      }
      break;
    case 'event_answer':
      onAnswer(item);
      break;
    default:
      break;
  }
}

/** A bot answered a callback button: a snackbar, a link to open, or an app. */
function onAnswer(item) {
  const wasPending = state.pending.delete(item.eventId);
  if (!wasPending && item.userId !== state.me) return;
  // The answer can come over the feed before the press's own request has returned.
  if (!wasPending) state.answered.add(item.eventId);
  const data = item.eventData;
  if (data?.type === 'show_snackbar') showSnackbar(data.text);
  else if (data?.type === 'open_link') {
    showSnackbar('Opening ', h('a', { href: data.link, target: '_blank', rel: 'noopener' }, data.link));
    window.open(data.link, '_blank', 'noopener');
  } else if (data?.type === 'open_app') showSnackbar(`Opening app ${data.app_id ?? ''}`);
  if (wasPending) renderMessages();
}

function connectFeed() {
  const source = new EventSource('/_sandbox/feed');
  const status = $('connection');
  const types = [
    'message_new',
    'message_edit',
    'message_delete',
    'typing',
    'reaction',
    'event_answer',
    'message_event',
    'group_join',
    'group_leave',
    'message_allow',
    'message_deny',
  ];
  // Items are handled one after another, in the order the sandbox sent them.
  let queue = Promise.resolve();
  for (const type of types) {
    source.addEventListener(type, (event) => {
      const item = JSON.parse(event.data);
      queue = queue.then(() => onItem(item)).catch(fail);
    });
  }
  source.addEventListener('ready', () => {
    status.textContent = 'live';
    status.className = 'connection live';
    document.body.dataset.feed = 'ready';
  });
  source.addEventListener('end', () => {
    status.textContent = 'the sandbox stopped';
    status.className = 'connection';
    source.close();
  });
  source.addEventListener('error', () => {
    status.textContent = 'reconnecting…';
    status.className = 'connection';
  });
}

// ---------------------------------------------------------------- start

async function start() {
  const info = await api('GET', '/_sandbox');
  state.groups = info.groups;
  await loadUsers();
  if (state.users.size === 0) {
    const user = await api('POST', '/_sandbox/users', { id: 1, firstName: 'Alex', lastName: 'Tester' });
    state.users.set(user.id, user);
  }
  const saved = Number(localStorage.getItem(STORAGE_KEY));
  const me = state.users.has(saved) ? saved : [...state.users.keys()][0];
  connectFeed();
  await switchUser(me);

  $('user-select').addEventListener('change', (event) => switchUser(Number(event.target.value)).catch(fail));
  $('new-user').addEventListener('click', async () => {
    const id = Number(prompt('New user id', String(Math.max(0, ...state.users.keys()) + 1)));
    if (!Number.isSafeInteger(id) || id <= 0) return;
    const [firstName = 'User', lastName = String(id)] = (
      prompt('First and last name', `User ${id}`) ?? ''
    ).split(/\s+/);
    try {
      const user = await api('POST', '/_sandbox/users', { id, firstName, lastName });
      state.users.set(user.id, user);
      await switchUser(user.id);
    } catch (error) {
      fail(error);
    }
  });
  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = $('text').value;
    if (text.trim() === '' && state.forward.length === 0) return;
    $('text').value = '';
    send(text).catch(fail);
  });
  $('text').addEventListener('input', () => {
    if (!state.current || Date.now() - state.lastTypingSent < TYPING_SENT_EVERY_MS) return;
    state.lastTypingSent = Date.now();
    const dialog = state.current;
    api('POST', `/_sandbox/users/${state.me}/typing`, {
      peerId: dialog.peerId,
      groupId: dialog.groupId,
    }).catch(fail);
  });
  $('photo-input').addEventListener('change', (event) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (file) sendPhoto(file).catch(fail);
  });
  $('messages').addEventListener('scroll', () => {
    const box = $('messages');
    pinnedToBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  });
  $('new-chat').addEventListener('click', () => $('chat-dialog').showModal());
  $('chat-dialog').addEventListener('close', () => {
    if ($('chat-dialog').returnValue === 'create') createChat($('chat-form')).catch(fail);
  });
  document.body.dataset.ready = 'true';
}

start().catch(fail);
