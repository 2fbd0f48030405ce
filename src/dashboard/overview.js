// The supervisor's overview: totals, messages per hour by direction, the
// status funnel, the awaiting-reply queue with wait times, per-agent load,
// search, and one conversation's full history. Everything is read from the
// aggregate fields (messageCounts, agentLoad, responseTimes: roll-ups kept on
// write), and read again shortly after each live event; the queue is the
// awaitingReplyChanged subscription's, pushed as it changes.
import { h } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { STATUSES } from './live.js';

const html = htm.bind(h);

export const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const QUARTER = 15 * 60 * 1000;
const HOUR = 60 * 60 * 1000;
export const RANGES = {
  '24h': { label: 'Last 24 hours', span: 24 * HOUR, interval: 'HOUR' },
  '7d': { label: 'Last 7 days', span: 7 * 24 * HOUR, interval: 'HOUR' },
  '30d': { label: 'Last 30 days', span: 30 * 24 * HOUR, interval: 'DAY' },
};

const OVERVIEW = /* GraphQL */ `
  query DashboardOverview($from: DateTime!, $to: DateTime!, $tz: String, $interval: CountInterval, $where: MessageCountWhere,
                          $accounts: [String!], $response: ResponseTimeWhere) {
    perBucket: messageCounts(from: $from, to: $to, timeZone: $tz, interval: $interval, groupBy: [DIRECTION], where: $where) {
      total rows { bucketStart bucketLocal direction count }
    }
    byStatus: messageCounts(from: $from, to: $to, timeZone: $tz, interval: RANGE, groupBy: [DIRECTION, STATUS], where: $where) {
      rows { direction status count }
    }
    agentLoad(from: $from, to: $to, accountWhatsId: $accounts) { agentAccount messagesSent messagesReceived awaitingReply oldestAwaitingSince }
    responseAll: responseTimes(from: $from, to: $to, timeZone: $tz, interval: RANGE, where: $response) {
      total rows { count p50Seconds p90Seconds bins { fromSeconds toSeconds count } }
    }
    responseByAgent: responseTimes(from: $from, to: $to, timeZone: $tz, interval: RANGE, groupBy: [AGENT], where: $response) {
      rows { agentAccount count p50Seconds p90Seconds bins { fromSeconds toSeconds count } }
    }
  }
`;

const LIVE_QUEUE = /* GraphQL */ `
  subscription DashboardQueue($where: AwaitingReplyWhere) {
    awaitingReplyChanged(first: 50, where: $where) {
      total oldestSince
      items { since agentAccount accountWhatsId conversation { id friendName friendWhatsId chatType contact { name tags } } }
    }
  }
`;

const SEARCH = /* GraphQL */ `
  query DashboardSearch($text: String!, $where: MessageWhere) {
    searchMessages(text: $text, first: 20, where: $where) {
      totalCount
      edges { snippet { text } node { id chatTime direction status conversation { id friendName friendWhatsId contact { name } } } }
    }
  }
`;

const CONVERSATION = /* GraphQL */ `
  query DashboardConversation($id: ID!, $after: String) {
    node(id: $id) {
      ... on Conversation {
        id friendName friendWhatsId accountWhatsId agentAccount chatType messageCount contact { name tags }
        messages(first: 30, after: $after) {
          edges { node { id whatsMessageId direction status chatTime contentType content { __typename ... on TextContent { text } ... on MediaContent { caption filename } ... on QuoteContent { replyText: text caption } ... on LocationContent { name address } ... on CallContent { video } ... on ContactCardContent { cards { name } } } } }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
  }
`;

// ---- Formatting ------------------------------------------------------------

const sameDay = (a, b) => a.toDateString() === b.toDateString();
/** A time today, a date and time otherwise. */
export function when(iso) {
  const d = new Date(iso);
  return sameDay(d, new Date())
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function waitText(seconds) {
  if (seconds < 60) return `${seconds} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours} h ${String(m % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** The first letters of the first two words, whole graphemes (emoji and accents intact). */
export function initials(name) {
  const segmenter = typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;
  const first = (word) => (segmenter ? segmenter.segment(word)[Symbol.iterator]().next().value?.segment ?? '' : [...word][0] ?? '');
  return name.trim().split(/\s+/).slice(0, 2).map(first).join('').toLocaleUpperCase();
}

const phone = (whatsId) => (whatsId ? `+${whatsId.replace(/@.*$/, '')}` : '');
const nameOf = (c) => c.contact?.name || c.friendName || phone(c.friendWhatsId);

/** The range's bounds on quarter hours (the aggregates' grain), `to` just after now. */
function bounds(rangeKey, now = Date.now()) {
  const to = Math.ceil((now + 1) / QUARTER) * QUARTER;
  return { from: new Date(to - RANGES[rangeKey].span).toISOString(), to: new Date(to).toISOString() };
}

// ---- Pieces ----------------------------------------------------------------

function Legend() {
  return html`<ul class="legend" aria-label="Legend">
    <li><span class="swatch out"></span>Sent by agents (outbound)</li>
    <li><span class="swatch in"></span>Received from customers (inbound)</li>
    <li><span class="glyph">↗</span>outbound message</li><li><span class="glyph">↙</span>inbound message</li>
    <li><svg class="glyph-clock" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true"><circle cx="8" cy="8" r="6.25" fill="none" stroke="currentColor" stroke-width="1.5" /><path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" stroke-width="1.5" /></svg> pending</li><li><span class="glyph">✓</span>sent</li><li><span class="glyph">✓✓</span>delivered</li><li><span class="glyph read">✓✓</span>read</li>
  </ul>`;
}

/** Every bucket of the range (empty ones too), local hours or days stepped on the browser's clock (the query's zone). */
function bucketsOf(from, to, interval) {
  const d = new Date(from);
  if (interval === 'DAY') d.setHours(0, 0, 0, 0);
  else d.setMinutes(0, 0, 0);
  const out = [];
  while (d.getTime() < Date.parse(to) && out.length < 2400) {
    out.push({ start: d.toISOString(), t: d.getTime(), OUTBOUND: 0, INBOUND: 0 });
    if (interval === 'DAY') d.setDate(d.getDate() + 1);
    else d.setHours(d.getHours() + 1);
  }
  return out;
}

function PerHourChart({ rows, interval, from, to }) {
  const buckets = useMemo(() => {
    const all = bucketsOf(from, to, interval);
    for (const r of rows) {
      const t = Date.parse(r.bucketStart);
      let i = all.length - 1;
      while (i > 0 && all[i].t > t) i--;
      if (all[i]) {
        all[i][r.direction] += r.count;
        all[i].local = r.bucketLocal;
      }
    }
    return all;
  }, [rows, from, to, interval]);
  if (!rows.length) return html`<p class="empty small">No messages in this range.</p>`;
  const max = Math.max(...buckets.map((b) => b.OUTBOUND + b.INBOUND), 1);
  const width = 720, height = 160, gap = 1;
  const bar = Math.max(2, width / buckets.length - gap);
  const label = (b) => `${when(b.start)}: ${b.OUTBOUND} out, ${b.INBOUND} in`;
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" role="img" aria-label="Messages per ${interval === 'DAY' ? 'day' : 'hour'} by direction">
    ${buckets.map((b, i) => {
      const x = (i * width) / buckets.length;
      const hOut = (b.OUTBOUND / max) * (height - 4);
      const hIn = (b.INBOUND / max) * (height - 4);
      return html`<g key=${b.start} data-bucket=${b.start} data-count=${b.OUTBOUND + b.INBOUND}><title>${label(b)}</title>
        <rect class="out" x=${x} y=${height - hOut} width=${bar} height=${hOut} />
        <rect class="in" x=${x} y=${height - hOut - hIn} width=${bar} height=${hIn} /></g>`;
    })}
  </svg>
  <p class="axis"><span>${when(buckets[0].start)}</span><span>${when(buckets.at(-1).start)}</span></p>`;
}

function StatusFunnel({ rows }) {
  // Outbound messages that reached at least each status.
  const count = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  for (const r of rows) if (r.direction === 'OUTBOUND') count[r.status] += r.count;
  const reached = STATUSES.map((s, i) => [s, STATUSES.slice(i).reduce((n, t) => n + count[t], 0)]);
  const top = reached[0][1] || 1;
  return html`<ol class="funnel" aria-label="Outbound messages by the furthest status reached">
    ${reached.map(([s, n]) => html`<li key=${s} data-funnel=${s}><span class="label">${s === 'PENDING' ? 'Sent by agents' : `${s[0]}${s.slice(1).toLowerCase()}`}</span>
      <span class="bar"><span style=${`width:${(100 * n) / top}%`}></span></span><b>${n}</b></li>`)}
  </ol>`;
}

function Queue({ queue, onOpen, now }) {
  if (!queue.items.length) return html`<p class="empty small">Nobody is waiting for a reply.</p>`;
  return html`<table class="queue"><thead><tr><th>Customer</th><th>Waiting</th><th>Since</th><th>Agent</th></tr></thead><tbody>
    ${queue.items.map((i) => {
      const wait = Math.max(0, Math.floor((now - Date.parse(i.since)) / 1000));
      return html`<tr key=${i.conversation.id} data-awaiting=${i.conversation.id} class=${wait > 3600 ? 'late' : ''}>
        <td><button type="button" class="link" onClick=${() => onOpen(i.conversation.id)}>
          <span class="avatar small" aria-hidden="true">${i.conversation.chatType === 'GROUP' ? '#' : initials(nameOf(i.conversation))}</span>${nameOf(i.conversation)}</button></td>
        <td class="wait" data-wait-seconds=${wait}>${waitText(wait)}</td><td>${when(i.since)}</td><td>${i.agentAccount ?? '—'}</td></tr>`;
    })}</tbody></table>
    ${queue.total > queue.items.length && html`<p class="more">${queue.total - queue.items.length} more waiting</p>`}`;
}

function Agents({ rows, onPick }) {
  if (!rows.length) return html`<p class="empty small">No agent activity in this range.</p>`;
  return html`<table class="agents"><thead><tr><th>Agent</th><th>Sent</th><th>Received</th><th>Awaiting reply</th><th>Oldest wait since</th></tr></thead><tbody>
    ${rows.map((r) => html`<tr key=${r.agentAccount ?? ''} data-agent=${r.agentAccount ?? ''}>
      <td>${r.agentAccount ? html`<button type="button" class="link" onClick=${() => onPick(r.agentAccount)}>${r.agentAccount}</button>` : '(no agent)'}</td>
      <td>${r.messagesSent}</td><td>${r.messagesReceived}</td><td>${r.awaitingReply}</td><td>${r.oldestAwaitingSince ? when(r.oldestAwaitingSince) : '—'}</td></tr>`)}
  </tbody></table>`;
}

const PREVIEW = { IMAGE: 'Photo', VIDEO: 'Video', AUDIO: 'Audio', VOICE_NOTE: 'Voice message', FILE: 'File', STICKER: 'Sticker', GIF: 'GIF' };
function textOf(m) {
  const c = m.content ?? {};
  switch (c.__typename) {
    case 'TextContent': return c.text;
    case 'MediaContent': return `[${PREVIEW[m.contentType] ?? 'Media'}] ${c.caption || c.filename || ''}`;
    case 'QuoteContent': return `[Reply] ${c.replyText || c.caption || ''}`;
    case 'LocationContent': return `[Location] ${c.name || c.address || ''}`;
    case 'CallContent': return c.video ? '[Video call]' : '[Voice call]';
    case 'ContactCardContent': return `[Contact] ${c.cards.map((x) => x.name).filter(Boolean).join(', ')}`;
    default: return '[Unsupported message]';
  }
}

/** One conversation, newest first, 30 at a time, with the live store's newer messages on top. */
export function ConversationView({ id, query, live, onClose }) {
  const [conversation, setConversation] = useState(null);
  const [messages, setMessages] = useState([]);
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);
  const load = (after) =>
    query(CONVERSATION, { id, after }).then((data) => {
      const c = data.node;
      if (!c) throw new Error('conversation not found');
      setConversation(c);
      setMessages((old) => [...(after ? old : []), ...c.messages.edges.map((e) => e.node)]);
      setPage(c.messages.pageInfo);
    }).catch((e) => setError(e.message));
  useEffect(() => { setMessages([]); load(null); }, [id]);
  const liveRows = live?.messages ?? [];
  const all = [...liveRows.filter((m) => !messages.some((x) => x.id === m.id)), ...messages.map((m) => liveRows.find((x) => x.id === m.id) ?? m)];
  return html`<aside class="conversation-view" data-conversation-view=${id}>
    <header><h2>${conversation ? nameOf(conversation) : '…'}</h2>
      ${conversation && html`<p>${phone(conversation.friendWhatsId)} · agent ${conversation.agentAccount || phone(conversation.accountWhatsId)} · ${conversation.messageCount} ${conversation.messageCount === 1 ? "message" : "messages"}
        ${conversation.contact?.tags?.length ? html` · ${conversation.contact.tags.map((t) => html`<span class="tag">${t}</span> `)}` : ''}</p>`}
      <button type="button" class="link" onClick=${onClose}>Close</button></header>
    ${error && html`<p class="alert">${error}</p>`}
    <ol class="history">${all.map((m) => html`<li key=${m.id} class=${m.direction === 'OUTBOUND' ? 'out' : 'in'} data-history-id=${m.whatsMessageId} data-status=${m.status}>
      <span class="text">${textOf(m)}</span><time datetime=${m.chatTime}>${when(m.chatTime)}</time><span class="status">${m.status.toLowerCase()}</span></li>`)}</ol>
    ${page?.hasNextPage && html`<button type="button" class="more-button" onClick=${() => load(page.endCursor)}>Load earlier messages</button>`}
  </aside>`;
}

function SearchResults({ text, query, onOpen, agent }) {
  const [result, setResult] = useState(null);
  useEffect(() => {
    if (!text) return setResult(null);
    let stale = false;
    const timer = setTimeout(() => query(SEARCH, { text, where: agent ? { agentAccount: agent } : null })
      .then((d) => !stale && setResult(d.searchMessages), (e) => !stale && setResult({ error: e.message })), 250);
    return () => { stale = true; clearTimeout(timer); };
  }, [text, agent]);
  if (!result) return null;
  if (result.error) return html`<p class="alert">${result.error}</p>`;
  return html`<section class="panel search-results"><h3>${result.totalCount} ${result.totalCount === 1 ? "message matches" : "messages match"} “${text}”</h3><ul>
    ${result.edges.map((e) => html`<li key=${e.node.id}><button type="button" class="link" onClick=${() => onOpen(e.node.conversation.id)}>${nameOf(e.node.conversation)}</button>
      <span class="snippet">${e.snippet.text}</span><time>${when(e.node.chatTime)}</time></li>`)}</ul></section>`;
}

/** A reply time's bin as words: "< 1 s", "2–3 min"… (the bins' bounds, rounded for reading). */
const binText = (b) => (b.toSeconds === null ? `≥ ${waitText(Math.round(b.fromSeconds))}` : b.fromSeconds === 0 ? `< ${waitText(Math.round(b.toSeconds))}` : `${waitText(Math.round(b.fromSeconds))}–${waitText(Math.round(b.toSeconds))}`);
/** p50/p90 are bins: shown as "≤ upper bound" (the value is below it, and within 19% of it). */
const percentileText = (seconds) => `≤ ${waitText(Math.max(1, Math.round(seconds)))}`;

/** A bin's number from its lower bound: bin 0 is [0, 1 s), bin k starts at 2^((k−1)/4) s (ResponseTimeBin). */
const binNumber = (b) => (b.fromSeconds === 0 ? 0 : Math.round(4 * Math.log2(b.fromSeconds)) + 1);
/** The axis: from under a second to the slowest bin, at least up to a day (bin 66 starts at 2^16.25 s ≈ 22 h). */
const axisEnd = (rows) => Math.max(66, ...rows.flatMap((r) => r.bins.map(binNumber)));
const TICKS = [[1, '1 s'], [60, '1 min'], [3600, '1 h'], [86_400, '1 d'], [7 * 86_400, '7 d']];

/** Bars per log-scale bin on a shared axis (empty bins too), coloured by where p50 and p90 fall. */
function Bins({ row, end, width, height, label }) {
  const counts = new Map(row.bins.map((b) => [binNumber(b), b]));
  const max = Math.max(...row.bins.map((b) => b.count), 1);
  const step = width / (end + 1);
  const p50 = row.p50Seconds, p90 = row.p90Seconds;
  return html`<svg class="chart response" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" role="img" aria-label=${label}>
    ${[...counts.values()].map((b) => {
      const h = Math.max(1, (b.count / max) * (height - 2));
      return html`<g key=${b.fromSeconds} data-response-bin=${b.fromSeconds} data-count=${b.count}><title>${binText(b)}: ${b.count}</title>
        <rect class=${b.fromSeconds < p50 ? 'fast' : b.fromSeconds < p90 ? 'mid' : 'slow'} x=${binNumber(b) * step} y=${height - h} width=${Math.max(1.5, step - 1)} height=${h} /></g>`;
    })}
  </svg>`;
}

/** The reply-time histogram of the range, with a time axis. */
function ResponseChart({ row, end }) {
  if (!row) return html`<p class="empty small">No answered messages in this range.</p>`;
  return html`<${Bins} row=${row} end=${end} width=${720} height=${120} label="Reply times: answered conversations per reply-time bin (log scale)" />
  <p class="axis ticks">${TICKS.filter(([s]) => 4 * Math.log2(s) + 1 <= end).map(([s, t]) => html`<span style=${`left:${(100 * (4 * Math.log2(s) + 1)) / (end + 1)}%`}>${t}</span>`)}</p>
  <ul class="legend" aria-label="Reply-time legend">
    <li><span class="swatch fast"></span>up to the median (p50 ${percentileText(row.p50Seconds)})</li>
    <li><span class="swatch mid"></span>up to p90 (${percentileText(row.p90Seconds)})</li><li><span class="swatch slow"></span>slowest 10%</li>
  </ul>`;
}

function ResponseByAgent({ rows, end, onPick }) {
  if (!rows.length) return null;
  return html`<table class="agents response"><thead><tr><th>Agent</th><th>Replies</th><th>Median (p50)</th><th>p90</th><th>Distribution</th></tr></thead><tbody>
    ${rows.map((r) => html`<tr key=${r.agentAccount ?? ''} data-response-agent=${r.agentAccount ?? ''} data-count=${r.count} data-p50-seconds=${r.p50Seconds}>
      <td>${r.agentAccount ? html`<button type="button" class="link" onClick=${() => onPick(r.agentAccount)}>${r.agentAccount}</button>` : '(no agent)'}</td>
      <td>${r.count}</td><td>${percentileText(r.p50Seconds)}</td><td>${percentileText(r.p90Seconds)}</td>
      <td class="spark"><${Bins} row=${r} end=${end} width=${240} height=${24} label=${`Reply times of ${r.agentAccount ?? 'no agent'}`} /></td></tr>`)}
  </tbody></table>`;
}

// ---- The view --------------------------------------------------------------

export function Overview({ query, client, version, store, onOpenConversation }) {
  const [range, setRange] = useState('24h');
  const [agent, setAgent] = useState('');
  const [account, setAccount] = useState('');
  const [status, setStatus] = useState('');
  const [tag, setTag] = useState('');
  const [search, setSearch] = useState('');
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [now, setNow] = useState(Date.now());
  const loading = useRef(0);
  const [queue, setQueue] = useState(null);

  // The waiting queue comes pushed: at once, then each time stored messages change it (same filters).
  useEffect(() => {
    setQueue(null);
    const where = { ...(agent ? { agentAccount: [agent === '(none)' ? '' : agent] } : {}), ...(account ? { accountWhatsId: [account] } : {}), ...(tag ? { contactTag: tag } : {}) };
    return client.subscribe({ query: LIVE_QUEUE, variables: { where } }, {
      next: (r) => (r.errors?.length ? setError(r.errors.map((e) => e.message).join('; ')) : setQueue(r.data.awaitingReplyChanged)),
      error: (e) => setError(e?.message ?? String(e)),
      complete: () => {},
    });
  }, [client, agent, account, tag]);

  // Wait times tick on their own; the numbers are read again after events (at most every second).
  useEffect(() => { const t = setInterval(() => setNow(Date.now()), 15_000); return () => clearInterval(t); }, []);
  useEffect(() => {
    const mine = ++loading.current;
    const timer = setTimeout(() => {
      const { from, to } = bounds(range);
      const where = { ...(agent ? { agentAccount: [agent === '(none)' ? '' : agent] } : {}), ...(account ? { accountWhatsId: [account] } : {}), ...(status ? { status: [status] } : {}) };
      const response = { ...(agent ? { agentAccount: [agent === '(none)' ? '' : agent] } : {}), ...(account ? { accountWhatsId: [account] } : {}) };
      query(OVERVIEW, { from, to, tz: ZONE, interval: RANGES[range].interval, where, response, accounts: account ? [account] : null })
        .then((d) => { if (mine === loading.current) { setData({ ...d, from, to, interval: RANGES[range].interval }); setError(null); setNow(Date.now()); } })
        .catch((e) => mine === loading.current && setError(e.message));
    }, data ? 1000 : 0);
    return () => clearTimeout(timer);
  }, [range, agent, account, status, version]);

  const agents = data ? data.agentLoad.map((a) => a.agentAccount ?? '(none)') : [];
  const totals = data ? Object.fromEntries(['OUTBOUND', 'INBOUND'].map((d) => [d, data.byStatus.rows.filter((r) => r.direction === d).reduce((n, r) => n + r.count, 0)])) : null;
  return html`<section class="overview" data-view="overview">
    <form class="filters" onSubmit=${(e) => e.preventDefault()}>
      <label>Range <select name="range" value=${range} onChange=${(e) => setRange(e.currentTarget.value)}>
        ${Object.entries(RANGES).map(([k, r]) => html`<option value=${k}>${r.label}</option>`)}</select></label>
      <label>Agent <select name="agent" value=${agent} onChange=${(e) => setAgent(e.currentTarget.value)}>
        <option value="">All agents</option>${[...new Set([...agents, ...(agent ? [agent] : [])])].map((a) => html`<option value=${a}>${a}</option>`)}</select></label>
      <label>Account <input name="account" placeholder="WhatsApp number" value=${account} onChange=${(e) => setAccount(e.currentTarget.value.trim())} /></label>
      <label>Status <select name="status" value=${status} onChange=${(e) => setStatus(e.currentTarget.value)}>
        <option value="">Any status</option>${STATUSES.map((s) => html`<option value=${s}>${s.toLowerCase()}</option>`)}</select></label>
      <label>Contact tag <input name="tag" placeholder="e.g. VIP" value=${tag} onChange=${(e) => setTag(e.currentTarget.value.trim())} /></label>
      <label class="search">Search <input type="search" name="search" placeholder="Words or digits in messages" value=${search} onInput=${(e) => setSearch(e.currentTarget.value.trim())} /></label>
    </form>
    ${error && html`<div class="alert" role="alert">${error}</div>`}
    <${SearchResults} text=${search} query=${query} onOpen=${onOpenConversation} agent=${agent && agent !== '(none)' ? agent : ''} />
    ${data ? html`
      <div class="tiles">
        <div class="tile" data-total="messages"><b>${data.perBucket.total}</b><span>Messages</span></div>
        <div class="tile" data-total="outbound"><b>${totals.OUTBOUND}</b><span>Sent by agents</span></div>
        <div class="tile" data-total="inbound"><b>${totals.INBOUND}</b><span>From customers</span></div>
        <div class="tile" data-total="awaiting"><b>${queue ? queue.total : '…'}</b><span>Awaiting reply</span></div>
        <div class="tile"><b>${queue?.oldestSince ? waitText(Math.max(0, Math.floor((now - Date.parse(queue.oldestSince)) / 1000))) : '—'}</b><span>Longest wait</span></div>
        <div class="tile" data-total="reply-p50"><b>${data.responseAll.rows[0] ? percentileText(data.responseAll.rows[0].p50Seconds) : '—'}</b><span>Median reply time</span></div>
      </div>
      <div class="panels">
        <section class="panel wide"><h3>Messages per ${data.interval === 'DAY' ? 'day' : 'hour'} (${ZONE})</h3>
          <${PerHourChart} rows=${data.perBucket.rows} interval=${data.interval} from=${data.from} to=${data.to} /><${Legend} /></section>
        <section class="panel"><h3>Status funnel (outbound)</h3><${StatusFunnel} rows=${data.byStatus.rows} /></section>
        <section class="panel" data-live-queue=${queue ? 'live' : 'waiting'}><h3>Awaiting a reply (${queue ? queue.total : '…'}) <span class="live-mark" title="Pushed as messages arrive">live</span></h3>
          ${queue ? html`<${Queue} queue=${queue} onOpen=${onOpenConversation} now=${now} />` : html`<p class="empty small">Loading…</p>`}</section>
        <section class="panel"><h3>Agents</h3><${Agents} rows=${data.agentLoad} onPick=${setAgent} /></section>
        <section class="panel wide" data-panel="response-times"><h3>Reply times (${data.responseAll.total} answered): from a customer's first unanswered message to the reply</h3>
          <${ResponseChart} row=${data.responseAll.rows[0]} end=${axisEnd(data.responseAll.rows)} />
          <${ResponseByAgent} rows=${data.responseByAgent.rows} end=${axisEnd(data.responseAll.rows)} onPick=${setAgent} /></section>
      </div>` : !error && html`<p class="empty">Loading…</p>`}
  </section>`;
}
