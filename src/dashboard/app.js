// chatgraph's dashboard: a small Preact app (htm templates, no build step).
// Two views: the supervisor's overview (overview.js: aggregates, queue,
// agents, search) and the live feed (per conversation, its latest messages
// with status ticks and counts, as the CRM's webhooks arrive: live.js); any
// conversation opens with its full history.
import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { LiveStore, STATUSES, connect, runQuery } from './live.js';
import { ConversationView, Overview, initials, when } from './overview.js';

const html = htm.bind(h);

const KEY_ITEM = 'chatgraph.dashboard.apiKey';
/** On opening, the events of the last hour are replayed, then the feed is live. */
const HISTORY_MS = 60 * 60 * 1000;
const MESSAGES_SHOWN = 6;
const CONVERSATIONS_SHOWN = 200;

const STATUS_LABELS = { PENDING: 'Pending', SENT: 'Sent', DELIVERED: 'Delivered', READ: 'Read' };
const STATE_LABELS = { idle: 'Not connected', connecting: 'Connecting…', catching: 'Catching up…', live: 'Live', reconnecting: 'Reconnecting…', error: 'Error' };

/** The key to start with: `?key=` (then saved, and taken out of the address), the saved one, or in development the demo key. */
async function initialKey() {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('key');
  if (fromUrl) {
    localStorage.setItem(KEY_ITEM, fromUrl);
    params.delete('key');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + (rest ? `?${rest}` : ''));
    return { key: fromUrl, demo: false };
  }
  const saved = localStorage.getItem(KEY_ITEM);
  if (saved) return { key: saved, demo: false };
  const config = await fetch('/dashboard/config.json').then((r) => (r.ok ? r.json() : {}), () => ({}));
  return { key: config.demoKey ?? '', demo: Boolean(config.demoKey) };
}

/** Re-renders when the store changes. */
function useStore(store) {
  const [, setVersion] = useState(0);
  useEffect(() => store.subscribe(() => setVersion((v) => v + 1)), [store]);
  return store;
}

// ---- Small pieces ----------------------------------------------------------

/** WhatsApp's marks: a clock while pending, ✓ sent, ✓✓ delivered, blue ✓✓ read. */
function StatusIcon({ status }) {
  const label = STATUS_LABELS[status];
  if (status === 'PENDING') {
    return html`<svg class="tick pending" viewBox="0 0 16 16" role="img" aria-label=${label}><title>${label}</title>
      <circle cx="8" cy="8" r="6.25" fill="none" stroke="currentColor" stroke-width="1.5" />
      <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" /></svg>`;
  }
  const double = status !== 'SENT';
  return html`<svg class=${`tick ${status.toLowerCase()}`} viewBox="0 0 20 12" role="img" aria-label=${label}><title>${label}</title>
    <path d="M1.5 6.5l3.5 3.5 7-8" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" />
    ${double && html`<path d="M7.5 8.5l1.5 1.5 7-8" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" />`}</svg>`;
}

function ConnectionBadge({ state, message }) {
  return html`<span class="badge ${state}" data-state=${state} title=${message || ''}>
    <span class="dot"></span>${STATE_LABELS[state]}</span>`;
}

function StatusCounts({ counts, compact }) {
  return html`<ul class=${compact ? 'counts compact' : 'counts'}>
    ${STATUSES.map((s) => html`<li key=${s} class=${`${s.toLowerCase()}${counts[s] ? '' : ' zero'}`} data-count=${s} title=${STATUS_LABELS[s]}>
      <${StatusIcon} status=${s} /><b>${counts[s]}</b>${!compact && html`<span>${STATUS_LABELS[s]}</span>`}</li>`)}
  </ul>`;
}

const phone = (whatsId) => (whatsId ? `+${whatsId.replace(/@.*$/, '')}` : '');
const time = when;
const dateTime = (iso) => new Date(iso).toLocaleString();

const PERSON = html`<svg viewBox="0 0 20 20" width="18" height="18" aria-hidden="true"><circle cx="10" cy="7" r="3.5" fill="currentColor" />
  <path d="M3.5 17.5c.8-3.4 3.4-5 6.5-5s5.7 1.6 6.5 5z" fill="currentColor" /></svg>`;

const MEDIA_LABELS = { IMAGE: 'Photo', VIDEO: 'Video', AUDIO: 'Audio', VOICE_NOTE: 'Voice message', FILE: 'File', STICKER: 'Sticker', GIF: 'GIF' };

/** A one-line preview of a message's content: [kind label, text]. */
function preview(message) {
  const c = message.content ?? {};
  switch (c.__typename) {
    case 'TextContent': return [null, c.text];
    case 'MediaContent': return [MEDIA_LABELS[message.contentType] ?? 'Media', c.caption || c.filename || ''];
    case 'QuoteContent': return ['Reply', c.replyText || c.caption || ''];
    case 'LocationContent': return ['Location', c.name || c.address || ''];
    case 'CallContent': return [c.video ? 'Video call' : 'Voice call', ''];
    case 'ContactCardContent': return ['Contact', c.cards.map((card) => card.name).filter(Boolean).join(', ')];
    default: return ['Unsupported message', ''];
  }
}

// ---- Conversations ---------------------------------------------------------

function MessageRow({ message }) {
  const [kind, text] = preview(message);
  const outbound = message.direction === 'OUTBOUND';
  return html`<li class=${`message ${outbound ? 'out' : 'in'}${message.isNew ? ' arrived' : ''}`}
      data-message-id=${message.whatsMessageId} data-status=${message.status}>
    <span class="direction" title=${outbound ? 'Sent by the agent' : 'Received from the customer'}>${outbound ? '↗' : '↙'}</span>
    <span class="text">${kind && html`<span class="kind">${kind}</span>`}${text}</span>
    <time datetime=${message.chatTime} title=${dateTime(message.chatTime)}>${time(message.chatTime)}</time>
    <span class=${message.statusChanged ? 'status changed' : 'status'} key=${message.status}><${StatusIcon} status=${message.status} /></span>
  </li>`;
}

function ConversationCard({ conversation: c, onOpen }) {
  const title = c.name || phone(c.friendWhatsId);
  return html`<article class="conversation" data-conversation-id=${c.id}>
    <header>
      <span class="avatar" aria-hidden="true">${c.group ? '#' : c.name ? initials(c.name) : PERSON}</span>
      <div class="who">
        <h2><button type="button" class="link" onClick=${() => onOpen(c.id)}>${title}</button>${c.group && html` <span class="tag">Group</span>`}</h2>
        <p>${c.name && html`${phone(c.friendWhatsId)} · `}agent ${c.agentAccount || phone(c.accountWhatsId)}</p>
      </div>
      <span class="total">${c.messageCount} ${c.messageCount === 1 ? 'message' : 'messages'}</span>
    </header>
    <${StatusCounts} counts=${c.counts} compact />
    <ol class="messages">
      ${c.messages.slice(0, MESSAGES_SHOWN).map((m) => html`<${MessageRow} key=${m.id} message=${m} />`)}
    </ol>
    ${c.messageCount > MESSAGES_SHOWN && html`<button type="button" class="more link" onClick=${() => onOpen(c.id)}>${c.messageCount - MESSAGES_SHOWN} earlier: open the conversation</button>`}
  </article>`;
}

// ---- The page --------------------------------------------------------------

function KeyForm({ initial, onSubmit, onForget }) {
  const [value, setValue] = useState(initial);
  const submit = (event) => {
    event.preventDefault();
    if (value.trim()) onSubmit(value.trim());
  };
  return html`<form class="key-form" onSubmit=${submit}>
    <label for="api-key">API key</label>
    <input id="api-key" type="password" autocomplete="off" spellcheck=${false} placeholder="cg_… (a key with the READ scope)"
      value=${value} onInput=${(e) => setValue(e.currentTarget.value)} />
    <button type="submit">Connect</button>
    ${initial && html`<button type="button" class="link" onClick=${onForget}>Forget key</button>`}
  </form>`;
}

function emptyText(key, state) {
  if (!key) return 'Enter an API key with the READ scope to follow your conversations live.';
  if (state === 'error') return 'Not connected: see the message above.';
  return 'No messages in the last hour yet. New messages and status changes appear here as the CRM sends them.';
}

function App({ store }) {
  useStore(store);
  const [key, setKey] = useState(null);
  const [demo, setDemo] = useState(false);
  const [editing, setEditing] = useState(false);
  const [connection, setConnection] = useState({ state: 'idle' });
  const [viewer, setViewer] = useState(null);
  const [attempt, setAttempt] = useState(0);
  const [view, setView] = useState(new URLSearchParams(location.search).get('view') === 'live' ? 'live' : 'overview');
  const [client, setClient] = useState(null);
  const [open, setOpen] = useState(null);
  const query = (doc, variables) => (client ? runQuery(client, doc, variables) : Promise.reject(new Error('not connected')));

  useEffect(() => {
    initialKey().then((initial) => {
      setKey(initial.key);
      setDemo(initial.demo);
    });
  }, []);

  // A new key (or a retry) starts afresh: the last hour is replayed, then live.
  useEffect(() => {
    store.clear();
    setViewer(null);
    if (!key) return setConnection({ state: 'idle' });
    return connect({ key, store, since: new Date(Date.now() - HISTORY_MS).toISOString(), onState: setConnection, onViewer: setViewer, onClient: setClient });
  }, [key, attempt]);

  const connectWith = (value) => {
    localStorage.setItem(KEY_ITEM, value);
    setDemo(false);
    setEditing(false);
    setKey(value);
    setAttempt((n) => n + 1);
  };
  const forget = () => {
    localStorage.removeItem(KEY_ITEM);
    setEditing(false);
    setKey('');
  };

  const conversations = [...store.conversations.values()].sort((a, b) => b.lastActivity - a.lastActivity);
  const showForm = key !== null && (!key || editing || connection.state === 'error');

  return html`
    <header class="topbar">
      <div class="brand"><span class="logo">cg</span><div><h1>Live dashboard</h1>
        <p>${viewer ? html`${viewer.tenantName} · tenant ${viewer.tenantId}` : 'chatgraph'}${demo && html` <span class="tag">demo key</span>`}</p></div></div>
      <div class="session">
        <${ConnectionBadge} ...${connection} state=${connection.state === 'live' && store.catchingUp ? 'catching' : connection.state} />
        ${key && !showForm && html`<button type="button" class="link" onClick=${() => setEditing(true)}>Change key</button>`}
      </div>
    </header>
    ${connection.state === 'error' && html`<div class="alert" role="alert" data-error>
      ${connection.message}<button type="button" class="link" onClick=${() => setAttempt((n) => n + 1)}>Retry</button></div>`}
    ${connection.state === 'reconnecting' && connection.message && html`<div class="notice">${connection.message}; reconnecting…</div>`}
    ${showForm && html`<${KeyForm} key=${key} initial=${key} onSubmit=${connectWith} onForget=${forget} />`}
    <nav class="tabs" role="tablist">
      ${[['overview', 'Overview'], ['live', 'Live feed']].map(([v, label]) => html`<button type="button" role="tab" data-tab=${v} aria-selected=${view === v} onClick=${() => setView(v)}>${label}</button>`)}
    </nav>
    ${open && client && html`<${ConversationView} id=${open} query=${query} live=${store.conversations.get(open)} onClose=${() => setOpen(null)} />`}
    ${view === 'overview' && key && client && connection.state !== 'error' && html`<main><${Overview} query=${query} client=${client} version=${store.version} store=${store} onOpenConversation=${setOpen} /></main>`}
    ${view === 'live' && html`<main>
      <section class="summary" aria-label="Messages by status">
        <div class="tile" data-count="TOTAL"><b>${store.messageCount}</b><span>Messages</span></div>
        <div class="tile"><b>${store.conversations.size}</b><span>Conversations</span></div>
        <${StatusCounts} counts=${store.totals} />
        <p class="window">The last hour, then live${store.lastEventAt && html`<br />last update ${time(store.lastEventAt)}`}</p>
      </section>
      ${conversations.length
        ? html`<section class="grid">${conversations.slice(0, CONVERSATIONS_SHOWN).map((c) => html`<${ConversationCard} key=${c.id} conversation=${c} onOpen=${setOpen} />`)}</section>`
        : html`<p class="empty">${emptyText(key, connection.state)}</p>`}
      ${conversations.length > CONVERSATIONS_SHOWN && html`<p class="more">${conversations.length - CONVERSATIONS_SHOWN} less recently active conversations not shown</p>`}
    </main>`}`;
}

render(html`<${App} store=${new LiveStore()} />`, document.getElementById('app'));
