// Deterministic benchmark dataset: legacy webhook payloads (MSG_SYNC_MESSAGE,
// CLIENT_SYNC_MESSAGE, CLIENT_SYNC_MESSAGE_STATUS) and flat message rows, all
// drawn from one seeded PRNG so the same options give byte-identical output.
// Streaming: memory is O(tenants × contacts + conversations + a bounded
// window of pending status updates), not O(messages).
//
//   npx tsx src/demo/dataset-cli.ts --messages 1000 --seed 42 --kind msg-sync|client-sync|status|mixed|rows|none [--stats]
//
// Node built-ins only. See bench/README.md.

import { fmix32, Rng, HEX_UP, hex8 } from './dataset-random.ts';
import { EN_PHRASES, ZH_PHRASES, EMOJI, FIRST_NAMES, LAST_NAMES, ZH_NAMES, TAGS, PROFESSIONS, INCOMES, DESCS, ADDRESSES, EMAIL_DOMAINS, TENANT_NAMES, GROUP_NAMES, BIZ_NAMES, FILE_NAMES, MEDIA_MIME, PHONES } from './dataset-vocabulary.ts';
import { DEFAULT_OPTIONS, type DatasetOptions, type UserProfile, type Agent, type Account, type Contact, type Group, type Task, type Tenant, type Conversation, type MsgSyncItem, type MsgSyncBody, type ClientContentItem, type ClientSyncItem, type StatusItem, type MessageRow, type MsgSyncBatch, type ClientSyncBatch, type StatusBatch, type AnyBatch, type BatchOptions, type Dataset } from './dataset-types.ts';
import { DAY_MS, p2, ymdShanghai, formatShanghai } from './dataset-text.ts';

export * from './dataset-types.ts';
export { formatShanghai, toJson } from './dataset-text.ts';

// ---------------------------------------------------------------------------
// Codes
// ---------------------------------------------------------------------------

/** msgPage / MSG_SYNC_MESSAGE content-type codes. */
export type MsgPageCode = 0 | 1 | 2 | 3 | 4 | 6 | 7 | 9;
/** CLIENT_SYNC_MESSAGE content-type codes. */
export type ClientCode = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 99;
export type StatusCode = 1 | 2 | 3 | 4;

/** msgPage code → client code (text 0→1, image 1→2, video 2→5, audio 3→3, file 4→4, card 6→6, sticker 7→7, quote 9→9). */
export const MSG_PAGE_TO_CLIENT: Readonly<Record<MsgPageCode, ClientCode>> = {
  0: 1, 1: 2, 2: 5, 3: 3, 4: 4, 6: 6, 7: 7, 9: 9,
};

/** Target content mix (msgPage code → share of all messages); sums to 1. */
export const CONTENT_MIX: ReadonlyArray<readonly [MsgPageCode, number]> = [
  [0, 0.70], [1, 0.10], [2, 0.04], [3, 0.04], [4, 0.04], [7, 0.02], [6, 0.01], [9, 0.05],
];

const CONTENT_CUM: { code: MsgPageCode; cum: number }[] = (() => {
  let c = 0;
  return CONTENT_MIX.map(([code, p]) => ({ code, cum: (c += p) }));
})();

/** JSON text of one value (strings quoted and escaped). */
const q = JSON.stringify;

// ---------------------------------------------------------------------------
// World
// ---------------------------------------------------------------------------

interface MediaParts {
  filename: string;
  url: string;
  mimeType: string;
  caption: string;
}

/** What a later quote needs to know about a message. */
interface QuoteTarget {
  messageId: string;
  sender: string;
  contentType: MsgPageCode;
  caption: string;
  filename: string;
  mimeType: string;
  url: string;
}

interface PlannedEvent {
  due: number;
  seq: number;
  status: StatusCode;
  msg: CoreMessage;
  /** Set for an update about a message id that is never emitted. */
  phantomId: string | null;
}

export interface CoreMessage {
  index: number;
  conv: Conversation;
  syncId: string;
  messageId: string;
  chatTime: number;
  sendTime: string;
  actionType: 1 | 2;
  sender: string;
  contentType: MsgPageCode;
  content: string;
  text: string | null;
  media: MediaParts | null;
  quoteReply: (MediaParts & { type: MsgPageCode }) | null;
  quoted: QuoteTarget | null;
  originType: 1 | 2 | 3;
  finalStatus: StatusCode;
  msgSyncStatus: 1 | 3 | 4;
  taskId: bigint | 0 | null;
  taskInfoId: bigint | 0 | null;
  taskIdText: string;
  taskInfoIdText: string;
  events: PlannedEvent[] | null;
  flushed: boolean;
  msItem: MsgSyncItem | null;
}


function emptyProfile(name: string, whatsApp: string): Readonly<UserProfile> {
  return Object.freeze({
    id: 0n, name, whatsApp, username: '', extendsMap: '{}', income: '', profession: '', desc: '',
    tags: Object.freeze([]) as unknown as string[], email: '', address: '',
  });
}

function profileJson(p: UserProfile): string {
  return `{"id":${p.id.toString()},"name":${q(p.name)},"whatsApp":${q(p.whatsApp)},"username":${q(p.username)},"extendsMap":${q(p.extendsMap)},"income":${q(p.income)},"profession":${q(p.profession)},"desc":${q(p.desc)},"tags":${q(p.tags)},"email":${q(p.email)},"address":${q(p.address)}}`;
}

function personName(r: Rng): string {
  const k = r.next();
  if (k < 0.45) return `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}`;
  if (k < 0.8) return r.pick(ZH_NAMES);
  if (k < 0.9) return `好友${r.range(1, 999)}`;
  return `${r.pick(FIRST_NAMES)} ${r.pick(EMOJI)}`;
}

interface World {
  tenants: Tenant[];
  conversations: Conversation[];
  storageIds: Map<number, number>;
}

function buildWorld(o: DatasetOptions): World {
  const r = new Rng(o.seed, 1);
  const tenants: Tenant[] = [];
  const conversations: Conversation[] = [];
  const storageIds = new Map<number, number>();
  const spanMs = o.spanDays * DAY_MS;
  let agentSeq = 0;
  let nextUserId = 824_400;
  const externalIds = new Set<bigint>();

  for (let t = 0; t < o.tenants; t++) {
    const tenantId = 1001 + t;
    storageIds.set(tenantId, r.range(100_000, 999_999));
    const used = new Set<string>();
    const freshPhone = (pool: number): string => {
      for (;;) {
        const gen = PHONES[pool >= 0 ? pool : r.int(PHONES.length)] as (r: Rng) => string;
        const p = gen(r);
        if (!used.has(p)) {
          used.add(p);
          return p;
        }
      }
    };
    const tenant: Tenant = {
      id: tenantId,
      name: TENANT_NAMES[t % TENANT_NAMES.length] + (t >= TENANT_NAMES.length ? ` ${t}` : ''),
      agents: [], accounts: [], contacts: [], groups: [], tasks: [], messageCount: 0,
    };
    for (let a = 0; a < o.agentsPerTenant; a++) {
      agentSeq++;
      nextUserId += r.range(1, 40);
      const agent: Agent = { tenantId, userId: nextUserId, userName: `agent${String(agentSeq).padStart(4, '0')}`, accounts: [] };
      for (let k = 0; k < o.accountsPerAgent; k++) {
        const bare = freshPhone(r.pick([0, 0, 6, 2, 3]));
        const account: Account = { tenantId, whatsId: r.chance(0.3) ? bare + '@c.us' : bare, bareId: bare, agent };
        agent.accounts.push(account);
        tenant.accounts.push(account);
      }
      tenant.agents.push(agent);
    }
    for (let c = 0; c < o.contactsPerTenant; c++) {
      const bare = freshPhone(-1);
      const owner = r.pick(tenant.agents);
      const stranger = r.chance(0.03);
      const name = stranger ? '' : personName(r);
      let externalId: bigint | null = null;
      let profile: Readonly<UserProfile>;
      if (stranger) {
        profile = emptyProfile('', bare);
      } else {
        do {
          externalId = r.chance(0.45)
            ? (BigInt(r.range(0x200000, 0x7fffffff)) << 32n) | BigInt(r.u32())
            : BigInt(r.range(100_000, 99_999_999));
        } while (externalIds.has(externalId));
        externalIds.add(externalId);
        const ext: Record<string, string> = {
          单行文本: `caseId${String(r.int(1000)).padStart(3, '0')}`,
          多选: r.chance(0.6) ? '[]' : q(r.shuffle(['A', 'B', 'C']).slice(0, r.range(1, 3))),
          日期: r.chance(0.5) ? '' : `2024-${p2(r.range(1, 12))}-${p2(r.range(1, 28))}`,
        };
        if (r.chance(0.3)) ext['下拉框'] = r.pick(['选项1', '选项2', '选项3']);
        if (r.chance(0.15)) ext['客户等级'] = r.pick(['A', 'B', 'C']);
        const tags: string[] = [];
        const nTags = r.pick([0, 1, 1, 2, 2, 3, 4]);
        for (let i = 0; i < nTags; i++) {
          const tg = r.pick(TAGS);
          if (!tags.includes(tg)) tags.push(tg);
        }
        profile = Object.freeze({
          id: externalId,
          name,
          whatsApp: bare,
          username: owner.userName,
          extendsMap: r.chance(0.05) ? '{}' : JSON.stringify(ext),
          income: r.pick(INCOMES),
          profession: r.pick(PROFESSIONS),
          desc: r.pick(DESCS),
          tags: Object.freeze(tags) as unknown as string[],
          email: r.chance(0.4) ? `user${r.digits(5)}@${r.pick(EMAIL_DOMAINS)}` : '',
          address: r.pick(ADDRESSES),
        });
      }
      tenant.contacts.push({
        tenantId,
        externalId,
        externalIdText: externalId === null ? null : externalId.toString(),
        whatsId: r.chance(0.35) ? bare + '@c.us' : bare,
        bareId: bare,
        name,
        owner,
        profile,
        profileJson: profileJson(profile),
      });
    }
    for (let g = 0; g < o.groupsPerTenant; g++) {
      let bare: string;
      do bare = '120363' + r.digits(12);
      while (used.has(bare));
      used.add(bare);
      const name = `${r.pick(GROUP_NAMES)} ${g + 1}`;
      const members: string[] = [];
      const nMembers = r.range(3, 30);
      for (let i = 0; i < nMembers; i++) {
        members.push((r.chance(0.7) && tenant.contacts.length > 0 ? r.pick(tenant.contacts).bareId : freshPhone(-1)) + '@c.us');
      }
      const profile = emptyProfile(name, bare);
      tenant.groups.push({ tenantId, whatsId: r.chance(0.4) ? bare + '@g.us' : bare, bareId: bare, name, members, profile, profileJson: profileJson(profile) });
    }
    const nTasks = 12;
    for (let i = 0; i < nTasks; i++) {
      const big = r.chance(0.5);
      const id = big ? 1_790_000_000_000_000_000n + BigInt(r.u32()) * 1000n + BigInt(i) : BigInt(r.range(10_000, 999_999));
      const infoBase = big ? id + 1n + BigInt(r.int(1000)) * 1_000_000n : BigInt(r.range(1_000_000, 9_000_000));
      tenant.tasks.push({ id, infoBase });
    }
    // Conversations: each contact with one of its owner's accounts (some also
    // with another account of the tenant); each group with 1–3 accounts.
    const addConv = (account: Account, contact: Contact | null, group: Group | null): void => {
      conversations.push({
        index: conversations.length,
        tenant,
        account,
        contact,
        group,
        chatType: group ? 2 : 1,
        friendWhatsId: group ? group.whatsId : (contact as Contact).whatsId,
        friendName: group ? group.name : (contact as Contact).name,
        messageCount: 0,
        windowStart: 0,
        windowEnd: 0,
      });
    };
    for (const contact of tenant.contacts) {
      const acc = r.pick(contact.owner.accounts);
      addConv(acc, contact, null);
      if (tenant.accounts.length > 1 && r.chance(0.1)) {
        let other = r.pick(tenant.accounts);
        while (other === acc) other = r.pick(tenant.accounts);
        addConv(other, contact, null);
      }
    }
    for (const group of tenant.groups) {
      const accs = r.shuffle(tenant.accounts.slice()).slice(0, r.range(1, Math.min(3, tenant.accounts.length)));
      for (const acc of accs) addConv(acc, null, group);
    }
    tenants.push(tenant);
  }

  // Zipf sizes over a random ranking, with systematic rounding so the total is exact.
  const C = conversations.length;
  if (C === 0 && o.messages > 0) throw new Error('dataset: no conversations to put messages in');
  const order = r.shuffle(conversations.slice());
  let sumW = 0;
  const w = new Float64Array(C);
  for (let i = 0; i < C; i++) sumW += w[i] = Math.pow(i + 1, -o.zipfExponent);
  let acc = r.next();
  let total = 0;
  for (let i = 0; i < C; i++) {
    const x = (o.messages * (w[i] as number)) / sumW;
    const n = Math.floor(acc + x) - Math.floor(acc);
    acc += x;
    (order[i] as Conversation).messageCount = n;
    total += n;
  }
  if (C > 0 && total !== o.messages) (order[0] as Conversation).messageCount += o.messages - total;

  // Chat-time windows: big conversations span (almost) everything, small ones a random stretch.
  const spanSec = Math.floor(spanMs / 1000);
  for (const conv of conversations) {
    const n = conv.messageCount;
    conv.tenant.messageCount += n;
    let lenSec: number;
    if (n >= 500) lenSec = Math.floor(spanSec * (0.85 + 0.15 * r.next()));
    else {
      const lo = Math.log(3600), hi = Math.log(Math.max(3601, spanSec));
      lenSec = Math.min(spanSec, Math.max(Math.floor(Math.exp(lo + (hi - lo) * r.next())), n * 120));
    }
    const startSec = Math.floor((spanSec - lenSec) * r.next());
    conv.windowStart = o.startTime + startSec * 1000;
    conv.windowEnd = conv.windowStart + lenSec * 1000;
  }
  return { tenants, conversations, storageIds };
}

// ---------------------------------------------------------------------------
// Heaps
// ---------------------------------------------------------------------------

class MinHeap<T> {
  readonly items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => boolean) {}
  get size(): number {
    return this.items.length;
  }
  top(): T | undefined {
    return this.items[0];
  }
  push(v: T): void {
    const a = this.items;
    let i = a.length;
    a.push(v);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pv = a[p] as T;
      if (!this.less(v, pv)) break;
      a[i] = pv;
      i = p;
    }
    a[i] = v;
  }
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) this.siftDown(last);
    return top;
  }
  /** Re-position the (mutated) top element. */
  fixTop(): void {
    const v = this.items[0];
    if (v !== undefined) this.siftDown(v);
  }
  private siftDown(v: T): void {
    const a = this.items;
    const n = a.length;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && this.less(a[r] as T, a[c] as T)) c = r;
      const cv = a[c] as T;
      if (!this.less(cv, v)) break;
      a[i] = cv;
      i = c;
    }
    a[i] = v;
  }
}

interface ConvState {
  conv: Conversation;
  k: number;
  x: number;
  t: number;
  lastOutbound: boolean;
  last: QuoteTarget | null;
}

// ---------------------------------------------------------------------------
// Message generation
// ---------------------------------------------------------------------------

function sentence(r: Rng): string {
  const style = r.next();
  const n = 1 + (r.chance(0.35) ? 1 : 0) + (r.chance(0.1) ? 1 : 0);
  const sep = r.chance(0.03) ? '\n' : ' ';
  let s = '';
  for (let i = 0; i < n; i++) {
    const zh = style < 0.4 ? false : style < 0.75 ? true : r.chance(0.5);
    const part = zh ? r.pick(ZH_PHRASES) : r.pick(EN_PHRASES);
    s += i === 0 ? part : (zh ? (sep === '\n' ? sep : '') : sep) + part;
  }
  if (r.chance(0.02)) s = `"${s}" ${r.pick(['he said', '他说'])}`;
  if (r.chance(0.05)) s += ` #${r.digits(6)}`;
  if (r.chance(0.25)) {
    s += r.chance(0.3) ? '' : ' ';
    const e = r.range(1, 3);
    for (let i = 0; i < e; i++) s += r.pick(EMOJI);
  }
  return s;
}

function mediaContent(m: MediaParts, variant: boolean): string {
  return variant
    ? `{"caption":${q(m.caption)},"filename":${q(m.filename)},"mimetype":${q(m.mimeType)},"url":${q(m.url)}}`
    : `{"filename":${q(m.filename)},"url":${q(m.url)},"mimeType":${q(m.mimeType)},"caption":${q(m.caption)}}`;
}

function makeMedia(r: Rng, code: 1 | 2 | 3 | 4 | 7, chatTime: number, storageId: number): MediaParts {
  const ymd = ymdShanghai(chatTime);
  const seq = String(r.int(10000)).padStart(4, '0');
  const base = `https://whatsappscrm.oss-ap-southeast-1.aliyuncs.com/${storageId}/soundRecordUploadFile/${ymd}/`;
  const mimeType = r.pick(MEDIA_MIME[code]);
  const caption = r.chance(0.15) ? sentence(r) : '';
  switch (code) {
    case 1: {
      const ext = mimeType === 'image/png' ? 'png' : mimeType === 'image/webp' ? 'webp' : 'jpg';
      const k = r.next();
      if (k < 0.1) {
        const fn = `${r.hex(32)}.${ext}`;
        return { filename: fn, url: `https://image.whatsappscrm.com/client/${storageId}/chat_history/${chatTime}_image?Expires=${Math.floor(chatTime / 1000) + 604800}&Signature=${r.hex(24)}%3D`, mimeType, caption };
      }
      const file = `IMG-${ymd}-WA${seq}.${ext}`;
      return { filename: k < 0.5 ? 'null' : k < 0.75 ? file : `${r.hex(32)}.${ext}`, url: base + file, mimeType, caption };
    }
    case 2: {
      const file = `VID-${ymd}-WA${seq}.mp4`;
      const k = r.next();
      const uuid = `${r.hex(8)}-${r.hex(4)}-4${r.hex(3)}-a${r.hex(3)}-${r.hex(12)}`;
      return { filename: k < 0.3 ? 'null' : k < 0.4 ? '' : `${uuid}.mp4`, url: base + file, mimeType, caption };
    }
    case 3: {
      const file = `PTT-${ymd}-WA${seq}.opus`;
      return { filename: r.chance(0.8) ? 'null' : file, url: base + file, mimeType, caption: '' };
    }
    case 4: {
      const name = r.pick(FILE_NAMES);
      return { filename: name, url: base + encodeURIComponent(name), mimeType, caption: r.chance(0.6) ? name : caption };
    }
    case 7: {
      const fn = `${r.range(1000000, 9999999)}2A37C416whatsapp2CB4454C${r.hex(22, true)}`;
      return { filename: fn, url: `https://wascrm-oss-static.socialepoch.com/client/${r.hex(32)}/${fn}`, mimeType, caption: '' };
    }
  }
}

function vcard(r: Rng): { text: string; name: string } {
  const name = r.chance(0.5) ? `${r.pick(FIRST_NAMES)} ${String(r.int(1000)).padStart(3, '0')}` : r.pick(ZH_NAMES);
  const phone = (PHONES[r.int(PHONES.length)] as (r: Rng) => string)(r);
  const cc = phone.startsWith('1') ? 1 : 2;
  const rest = phone.slice(cc);
  const pretty = `+${phone.slice(0, cc)} ${rest.slice(0, 4)} ${rest.slice(4)}`;
  const biz = r.chance(0.3) ? `X-WA-BIZ-NAME:${r.pick(BIZ_NAMES)}\n` : '';
  return {
    name,
    text: `BEGIN:VCARD\nVERSION:3.0\nN:;${name};;;\nFN:${name}\n${biz}TEL;type=CELL;type=VOICE;waid=${phone}:${pretty}\nEND:VCARD`,
  };
}

function pickContentType(r: Rng): MsgPageCode {
  const u = r.next();
  for (const e of CONTENT_CUM) if (u < e.cum) return e.code;
  return 0;
}

function messageIdFor(r: Rng, index: number, salt: number, app: boolean): string {
  const tail = hex8(fmix32((index ^ salt) >>> 0), HEX_UP);
  return (app ? '3A' + r.hex(12, true) : '3EB0' + r.hex(10, true)) + tail;
}

function* coreMessages(ds: DatasetImpl): Generator<CoreMessage> {
  const o = ds.options;
  const r = new Rng(o.seed, 2);
  const salt = r.u32();
  const phantomBase = Math.max(o.messages, 0) + 1;
  let phantomSeq = 0;
  let eventSeq = 0;
  const oldBefore = ds.endTime - 3 * DAY_MS;
  const taskInfoSeq = new Map<Task, number>();
  const heap = new MinHeap<ConvState>((a, b) => a.t < b.t || (a.t === b.t && a.conv.index < b.conv.index));
  const advance = (st: ConvState): void => {
    const left = st.conv.messageCount - st.k;
    st.x = 1 - (1 - st.x) * Math.pow(r.next(), 1 / left);
    const lenSec = (st.conv.windowEnd - st.conv.windowStart) / 1000;
    st.t = st.conv.windowStart + Math.min(Math.floor(st.x * lenSec), lenSec) * 1000;
  };
  for (const conv of ds.conversations) {
    if (conv.messageCount <= 0) continue;
    const st: ConvState = { conv, k: 0, x: 0, t: 0, lastOutbound: r.chance(0.5), last: null };
    advance(st);
    heap.push(st);
  }
  let index = 0;
  for (;;) {
    const st = heap.top();
    if (st === undefined) break;
    const conv = st.conv;
    const chatTime = st.t;
    const outbound = r.chance(0.6) ? st.lastOutbound : !st.lastOutbound;
    st.lastOutbound = outbound;
    const actionType: 1 | 2 = outbound ? 1 : 2;
    const account = conv.account;
    const sender = outbound
      ? account.whatsId
      : conv.group
        ? r.pick(conv.group.members)
        : (conv.contact as Contact).whatsId;
    const ou = r.next();
    const originType: 1 | 2 | 3 = ou < 0.6 ? 1 : ou < 0.85 ? 3 : 2;
    const syncId = r.hex(32);
    const messageId = messageIdFor(r, index, salt, originType === 2);
    const contentType = pickContentType(r);
    const storageId = ds.storageIds.get(conv.tenant.id) ?? 0;
    let content: string;
    let text: string | null = null;
    let media: MediaParts | null = null;
    let quoteReply: (MediaParts & { type: MsgPageCode }) | null = null;
    let quoted: QuoteTarget | null = null;
    let target: QuoteTarget;
    switch (contentType) {
      case 0:
        text = sentence(r);
        content = text;
        target = { messageId, sender, contentType, caption: text, filename: '', mimeType: '', url: '' };
        break;
      case 6: {
        const v = vcard(r);
        text = v.text;
        content = text;
        target = { messageId, sender, contentType, caption: v.name, filename: '', mimeType: '', url: '' };
        break;
      }
      case 9: {
        if (r.chance(0.85)) {
          const t = sentence(r);
          text = t;
          quoteReply = { caption: t, filename: '', mimeType: '', type: 0, url: '' };
        } else {
          const m = makeMedia(r, 1, chatTime, storageId);
          quoteReply = { ...m, type: r.chance(0.5) ? 1 : 4 };
        }
        quoted = st.last ?? {
          messageId: '3EB0' + r.hex(18, true),
          sender: conv.contact ? conv.contact.whatsId : account.whatsId,
          contentType: 0, caption: sentence(r), filename: '', mimeType: '', url: '',
        };
        content = `{"caption":${q(quoteReply.caption)},"filename":${q(quoteReply.filename)},"mimeType":${q(quoteReply.mimeType)},"type":${quoteReply.type},"url":${q(quoteReply.url)},"referContent":{"caption":${q(quoted.caption)},"filename":${q(quoted.filename)},"mimeType":${q(quoted.mimeType)},"type":${quoted.contentType},"url":${q(quoted.url)},"whatsId":${q(quoted.sender)},"msgId":${q(quoted.messageId)}}}`;
        target = { messageId, sender, contentType, caption: quoteReply.caption, filename: quoteReply.filename, mimeType: quoteReply.mimeType, url: quoteReply.url };
        break;
      }
      default: {
        media = makeMedia(r, contentType, chatTime, storageId);
        content = mediaContent(media, r.chance(0.04));
        target = { messageId, sender, contentType, ...media };
      }
    }
    st.last = target;

    // Bulk-send tasks: some outbound private messages.
    let taskId: bigint | 0 | null = r.chance(0.5) ? 0 : null;
    let taskInfoId: bigint | 0 | null = taskId;
    if (outbound && conv.chatType === 1 && conv.tenant.tasks.length > 0 && r.chance(0.08)) {
      const task = r.pick(conv.tenant.tasks);
      const s = (taskInfoSeq.get(task) ?? 0) + 1;
      taskInfoSeq.set(task, s);
      taskId = task.id;
      taskInfoId = task.infoBase + BigInt(s);
    }

    // Statuses and the updates that will follow.
    const old = chatTime < oldBefore;
    let finalStatus: StatusCode;
    let msgSyncStatus: 1 | 3 | 4;
    let events: PlannedEvent[] | null = null;
    const msg: CoreMessage = {
      index, conv, syncId, messageId, chatTime, sendTime: formatShanghai(chatTime), actionType, sender,
      contentType, content, text, media, quoteReply, quoted, originType,
      finalStatus: 4, msgSyncStatus: 4, taskId, taskInfoId,
      taskIdText: typeof taskId === 'bigint' ? taskId.toString() : '',
      taskInfoIdText: typeof taskInfoId === 'bigint' ? taskInfoId.toString() : '',
      events: null, flushed: false, msItem: null,
    };
    const su = r.next();
    if (!outbound) {
      finalStatus = old ? (su < 0.95 ? 4 : 3) : su < 0.6 ? 4 : 3;
      msgSyncStatus = finalStatus as 3 | 4;
    } else if (r.next() < o.statusUpdateRatio) {
      finalStatus = old ? (su < 0.93 ? 4 : 3) : su < 0.6 ? 4 : 3;
      msgSyncStatus = 1;
      const d2 = index + 1 + r.int(40);
      const d3 = d2 + 5 + r.int(400);
      let d4 = d3 + 20 + r.int(2500);
      let e3 = d3;
      if (finalStatus === 4 && r.chance(0.06)) {
        e3 = d4; // out of order: READ arrives before DELIVERED
        d4 = d3;
      }
      events = [
        { due: d2, seq: eventSeq++, status: 2, msg, phantomId: null },
        { due: e3, seq: eventSeq++, status: 3, msg, phantomId: null },
      ];
      if (finalStatus === 4) events.push({ due: d4, seq: eventSeq++, status: 4, msg, phantomId: null });
      if (r.chance(0.04)) {
        const dup = r.pick(events);
        events.push({ due: dup.due + 1 + r.int(300), seq: eventSeq++, status: dup.status, msg, phantomId: null });
      }
      if (r.chance(0.004)) {
        const pid = messageIdFor(r, phantomBase + phantomSeq++, salt, false);
        events.push({ due: index + r.int(200), seq: eventSeq++, status: (2 + r.int(3)) as StatusCode, msg, phantomId: pid });
      }
    } else {
      finalStatus = old ? (su < 0.92 ? 4 : su < 0.98 ? 3 : 1) : su < 0.5 ? 4 : su < 0.85 ? 3 : 1;
      msgSyncStatus = finalStatus as 1 | 3 | 4;
    }
    msg.finalStatus = finalStatus;
    msg.msgSyncStatus = msgSyncStatus;
    msg.events = events;

    st.k++;
    if (st.k < conv.messageCount) {
      advance(st);
      heap.fixTop();
    } else heap.pop();
    index++;
    yield msg;
  }
}

// ---------------------------------------------------------------------------
// Formats
// ---------------------------------------------------------------------------

function profileOf(conv: Conversation): { profile: Readonly<UserProfile>; json: string } {
  if (conv.group) return { profile: conv.group.profile, json: conv.group.profileJson };
  const c = conv.contact as Contact;
  return { profile: c.profile, json: c.profileJson };
}

function taskJson(v: bigint | 0 | null): string {
  return v === null ? 'null' : v.toString();
}

function msgSyncItemOf(m: CoreMessage): MsgSyncItem {
  const conv = m.conv;
  return {
    id: m.syncId,
    messageId: m.messageId,
    userName: conv.account.agent.userName,
    whatsId: m.sender,
    friendWhatsId: conv.friendWhatsId,
    currentWhatsId: conv.account.whatsId,
    actionType: m.actionType,
    chatType: conv.chatType,
    messageStatus: m.msgSyncStatus,
    content: m.content,
    contentType: m.contentType,
    originType: m.originType,
    sendTime: m.sendTime,
    userProfile: profileOf(conv).profile,
    taskId: m.taskId,
    taskInfoId: m.taskInfoId,
  };
}

function msgSyncItemJson(it: MsgSyncItem, profileJsonText: string): string {
  return `{"id":"${it.id}","messageId":"${it.messageId}","userName":${q(it.userName)},"whatsId":${q(it.whatsId)},"friendWhatsId":${q(it.friendWhatsId)},"currentWhatsId":${q(it.currentWhatsId)},"actionType":${it.actionType},"chatType":${it.chatType},"messageStatus":${it.messageStatus},"content":${q(it.content)},"contentType":${it.contentType},"originType":${it.originType},"sendTime":"${it.sendTime}","userProfile":${profileJsonText},"taskId":${taskJson(it.taskId)},"taskInfoId":${taskJson(it.taskInfoId)}}`;
}

function clientContentOf(m: CoreMessage): ClientContentItem {
  const type = MSG_PAGE_TO_CLIENT[m.contentType];
  switch (m.contentType) {
    case 0:
    case 6:
      return { type, text: m.text ?? '', messageId: m.messageId, time: m.chatTime };
    case 9: {
      const rep = m.quoteReply as MediaParts & { type: MsgPageCode };
      const qt = m.quoted as QuoteTarget;
      return {
        type,
        url: `{"caption":${q(rep.caption)},"filename":${q(rep.filename)},"mimeType":${q(rep.mimeType)},"type":${MSG_PAGE_TO_CLIENT[rep.type]},"url":${q(rep.url)}}`,
        messageId: m.messageId,
        time: m.chatTime,
        referContent: `{"caption":${q(qt.caption)},"filename":${q(qt.filename)},"mimeType":${q(qt.mimeType)},"type":${MSG_PAGE_TO_CLIENT[qt.contentType]},"url":${q(qt.url)},"whatsApp":${q(qt.sender.replace(/@.*$/, ''))},"messageId":${q(qt.messageId)}}`,
      };
    }
    default:
      return { type, url: m.content, messageId: m.messageId, time: m.chatTime };
  }
}

function rowOf(m: CoreMessage): MessageRow {
  const conv = m.conv;
  const agent = conv.account.agent;
  return {
    tenantId: conv.tenant.id,
    accountWhatsId: conv.account.whatsId,
    friendWhatsId: conv.friendWhatsId,
    senderWhatsId: m.sender,
    friendName: conv.friendName,
    messageId: m.messageId,
    syncId: m.syncId,
    chatTime: m.chatTime,
    sendTime: m.sendTime,
    direction: m.actionType === 1 ? 'OUTBOUND' : 'INBOUND',
    actionType: m.actionType,
    chatType: conv.chatType,
    contentType: m.contentType,
    content: m.content,
    status: m.finalStatus,
    originType: m.originType,
    agentUserId: agent.userId,
    agentUserName: agent.userName,
    contactExternalId: conv.contact ? conv.contact.externalIdText : null,
    taskId: m.taskIdText === '' ? null : m.taskIdText,
    taskInfoId: m.taskInfoIdText === '' ? null : m.taskInfoIdText,
    conversationIndex: conv.index,
  };
}

const MSG_SYNC_PREFIX = '{"accessToken":"","tenantId":';

/** Fill accessToken, tenantId and timestamp into a MSG_SYNC body's JSON text produced by this module. */
export function signMsgSync(json: string, tenantId: number | bigint | string, timestamp: number, token: string): string {
  const i = json.indexOf(',"data":');
  if (!json.startsWith(MSG_SYNC_PREFIX) || i < 0) throw new Error('signMsgSync: not a MSG_SYNC body from src/demo/dataset.ts');
  return `{"accessToken":${q(token)},"tenantId":${String(tenantId)},"timestamp":${Math.trunc(timestamp)}${json.slice(i)}`;
}

class MsgSyncBatchImpl implements MsgSyncBatch {
  readonly kind = 'msg-sync' as const;
  constructor(
    readonly tenantId: number,
    readonly body: MsgSyncBody,
    readonly json: string,
    readonly repushes: number,
  ) {}
  sign(tenantId: number | bigint | string, timestamp: number, token: string): string {
    return signMsgSync(this.json, tenantId, timestamp, token);
  }
}

// ---------------------------------------------------------------------------
// Pipeline: messages → per-tenant batches, with status updates interleaved
// ---------------------------------------------------------------------------

export interface PipelineOptions {
  msgKind: 'msg-sync' | 'client-sync' | null;
  status: boolean;
  batchSize: number;
  repush: boolean;
  onMessage?: (m: CoreMessage) => void;
}

interface TenantBuf {
  tenantId: number;
  ms: { items: MsgSyncItem[]; jsons: string[]; repushes: number };
  cs: { items: ClientSyncItem[]; count: number; lastConv: Conversation | null; lastKey: string };
  msgs: CoreMessage[];
  status: StatusItem[];
}

export function checkBatchSize(n: number | undefined, cap: number | null): number {
  const b = n ?? 50;
  if (!Number.isInteger(b) || b < 1) throw new RangeError(`batchSize must be a positive integer, got ${String(n)}`);
  if (cap !== null && b > cap) throw new RangeError(`batchSize ${b} exceeds the MSG_SYNC_MESSAGE limit of ${cap}`);
  return b;
}

function* pipeline(ds: DatasetImpl, p: PipelineOptions): Generator<AnyBatch> {
  const bufs = new Map<number, TenantBuf>();
  for (const t of ds.tenants) {
    bufs.set(t.id, {
      tenantId: t.id,
      ms: { items: [], jsons: [], repushes: 0 },
      cs: { items: [], count: 0, lastConv: null, lastKey: '' },
      msgs: [],
      status: [],
    });
  }
  const bufOf = (tenantId: number): TenantBuf => bufs.get(tenantId) as TenantBuf;
  const events = new MinHeap<PlannedEvent>((a, b) => a.due < b.due || (a.due === b.due && a.seq < b.seq));
  const wantEvents = p.status || (p.repush && p.msgKind === 'msg-sync');

  function* flushMsgs(b: TenantBuf): Generator<AnyBatch> {
    if (p.msgKind === 'msg-sync' && b.ms.items.length > 0) {
      const body: MsgSyncBody = { accessToken: '', tenantId: b.tenantId, timestamp: 0, data: b.ms.items };
      const json = `${MSG_SYNC_PREFIX}${b.tenantId},"timestamp":0,"data":[${b.ms.jsons.join(',')}]}`;
      const batch = new MsgSyncBatchImpl(b.tenantId, body, json, b.ms.repushes);
      b.ms = { items: [], jsons: [], repushes: 0 };
      for (const m of b.msgs) m.flushed = true;
      b.msgs = [];
      yield batch;
    } else if (p.msgKind === 'client-sync' && b.cs.items.length > 0) {
      const body = b.cs.items;
      const batch: ClientSyncBatch = { kind: 'client-sync', tenantId: b.tenantId, body, json: JSON.stringify(body), messages: b.cs.count };
      b.cs = { items: [], count: 0, lastConv: null, lastKey: '' };
      for (const m of b.msgs) m.flushed = true;
      b.msgs = [];
      yield batch;
    }
  }

  function* flushStatus(b: TenantBuf): Generator<AnyBatch> {
    if (b.status.length === 0) return;
    const body = b.status;
    b.status = [];
    yield { kind: 'status', tenantId: b.tenantId, body, json: JSON.stringify(body) };
  }

  function* addMsgSync(b: TenantBuf, it: MsgSyncItem, json: string, m: CoreMessage | null): Generator<AnyBatch> {
    b.ms.items.push(it);
    b.ms.jsons.push(json);
    if (m) b.msgs.push(m);
    else b.ms.repushes++;
    if (b.ms.items.length >= p.batchSize) yield* flushMsgs(b);
  }

  function* processEvents(upTo: number): Generator<AnyBatch> {
    for (;;) {
      const e = events.top();
      if (e === undefined || e.due > upTo) return;
      events.pop();
      const m = e.msg;
      const b = bufOf(m.conv.tenant.id);
      if (e.phantomId === null && p.msgKind !== null && !m.flushed) yield* flushMsgs(b);
      if (p.repush && p.msgKind === 'msg-sync' && e.phantomId === null && e.status >= 3 && m.msItem) {
        const it: MsgSyncItem = { ...m.msItem, messageStatus: e.status as 3 | 4 };
        yield* addMsgSync(b, it, msgSyncItemJson(it, profileOf(m.conv).json), null);
      }
      if (p.status) {
        b.status.push({
          userId: String(m.conv.account.agent.userId),
          taskId: e.phantomId === null ? m.taskIdText : '',
          taskInfoId: e.phantomId === null ? m.taskInfoIdText : '',
          messageStatus: e.status,
          messageId: e.phantomId ?? m.messageId,
        });
        if (b.status.length >= p.batchSize) yield* flushStatus(b);
      }
    }
  }

  for (const m of coreMessages(ds)) {
    p.onMessage?.(m);
    const b = bufOf(m.conv.tenant.id);
    if (p.msgKind === 'msg-sync') {
      const it = msgSyncItemOf(m);
      if (p.repush && m.events) m.msItem = it;
      yield* addMsgSync(b, it, msgSyncItemJson(it, profileOf(m.conv).json), m);
    } else if (p.msgKind === 'client-sync') {
      const conv = m.conv;
      const key = `${conv.index}|${m.actionType}|${m.taskIdText}|${m.taskInfoIdText}`;
      const last = b.cs.items[b.cs.items.length - 1];
      const item = clientContentOf(m);
      if (last && b.cs.lastKey === key && last.content.length < 10) last.content.push(item);
      else {
        b.cs.items.push({
          userId: String(conv.account.agent.userId),
          whatsApp: conv.account.whatsId,
          friendWhatsApp: conv.friendWhatsId,
          actionType: m.actionType,
          chatType: conv.chatType,
          taskId: m.taskIdText,
          taskInfoId: m.taskInfoIdText,
          content: [item],
        });
        b.cs.lastKey = key;
      }
      b.cs.count++;
      b.msgs.push(m);
      if (b.cs.count >= p.batchSize) yield* flushMsgs(b);
    }
    if (wantEvents) {
      if (m.events) for (const e of m.events) events.push(e);
      yield* processEvents(m.index);
    }
  }
  for (const b of bufs.values()) yield* flushMsgs(b);
  if (wantEvents) yield* processEvents(Number.POSITIVE_INFINITY);
  for (const b of bufs.values()) yield* flushMsgs(b);
  for (const b of bufs.values()) yield* flushStatus(b);
}

// ---------------------------------------------------------------------------
// Dataset
// ---------------------------------------------------------------------------

export class DatasetImpl implements Dataset {
  readonly options: Readonly<DatasetOptions>;
  readonly tenants: readonly Tenant[];
  readonly conversations: readonly Conversation[];
  readonly totalMessages: number;
  readonly startTime: number;
  readonly endTime: number;
  readonly storageIds: Map<number, number>;

  constructor(options: Readonly<DatasetOptions>) {
    this.options = options;
    this.startTime = options.startTime;
    this.endTime = options.startTime + options.spanDays * DAY_MS;
    const w = buildWorld(options);
    this.tenants = w.tenants;
    this.conversations = w.conversations;
    this.storageIds = w.storageIds;
    this.totalMessages = options.messages;
  }

  *msgSyncBatches(opts: BatchOptions & { repushStatus?: boolean } = {}): Generator<MsgSyncBatch> {
    const batchSize = checkBatchSize(opts.batchSize, 50);
    for (const b of pipeline(this, { msgKind: 'msg-sync', status: false, batchSize, repush: opts.repushStatus ?? false })) {
      if (b.kind === 'msg-sync') yield b;
    }
  }

  *clientSyncBatches(opts: BatchOptions = {}): Generator<ClientSyncBatch> {
    const batchSize = checkBatchSize(opts.batchSize, null);
    for (const b of pipeline(this, { msgKind: 'client-sync', status: false, batchSize, repush: false })) {
      if (b.kind === 'client-sync') yield b;
    }
  }

  *statusBatches(opts: BatchOptions = {}): Generator<StatusBatch> {
    const batchSize = checkBatchSize(opts.batchSize, null);
    for (const b of pipeline(this, { msgKind: null, status: true, batchSize, repush: false })) {
      if (b.kind === 'status') yield b;
    }
  }

  *mixedBatches(opts: BatchOptions & { kind?: 'msg-sync' | 'client-sync'; repushStatus?: boolean } = {}): Generator<AnyBatch> {
    const kind = opts.kind ?? 'msg-sync';
    const batchSize = checkBatchSize(opts.batchSize, kind === 'msg-sync' ? 50 : null);
    yield* pipeline(this, { msgKind: kind, status: true, batchSize, repush: opts.repushStatus ?? false });
  }

  *messageRows(): Generator<MessageRow> {
    for (const m of coreMessages(this)) yield rowOf(m);
  }

  /** Internal: the pipeline with a per-message observer (used by the CLI's --stats). */
  observe(p: PipelineOptions): Generator<AnyBatch> {
    return pipeline(this, p);
  }

  /** Internal: rows with a per-message observer. */
  *observeRows(onMessage: (m: CoreMessage) => void): Generator<MessageRow> {
    for (const m of coreMessages(this)) {
      onMessage(m);
      yield rowOf(m);
    }
  }
}

/** Build the world (tenants, agents, accounts, contacts, groups, conversations and their sizes) for `options`. */
export function createDataset(options: Partial<DatasetOptions> = {}): Dataset {
  const o: DatasetOptions = { ...DEFAULT_OPTIONS };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) (o as unknown as Record<string, unknown>)[k] = v;
  const ints: (keyof DatasetOptions)[] = ['tenants', 'agentsPerTenant', 'accountsPerAgent', 'contactsPerTenant', 'groupsPerTenant', 'messages'];
  for (const k of ints) {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new RangeError(`${k} must be a non-negative integer`);
  }
  if (o.tenants < 1 || o.agentsPerTenant < 1 || o.accountsPerAgent < 1) throw new RangeError('tenants, agentsPerTenant and accountsPerAgent must be ≥ 1');
  if (o.contactsPerTenant + o.groupsPerTenant < 1) throw new RangeError('need at least one contact or group per tenant');
  if (o.messages >= 2 ** 31) throw new RangeError('messages must be < 2^31');
  if (!(o.spanDays > 0)) throw new RangeError('spanDays must be > 0');
  if (!(o.statusUpdateRatio >= 0 && o.statusUpdateRatio <= 1)) throw new RangeError('statusUpdateRatio must be in [0, 1]');
  if (!Number.isFinite(o.startTime)) throw new RangeError('startTime must be epoch ms');
  o.startTime = Math.floor(o.startTime / 1000) * 1000;
  return new DatasetImpl(Object.freeze(o));
}
