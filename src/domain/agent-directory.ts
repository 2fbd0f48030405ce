// The agent directory (README "Agents"): who serves which WhatsApp account,
// built from what the webhooks showed (AgentSighting rows) and what admins
// set (AgentProfile rows). Pure: src/read/agents.ts loads the rows.
//
// The CRM names an agent by halves: CLIENT_SYNC by seat id (userId), MSG_SYNC
// by login (userName). An agent here is a login with the seat ids that are
// its own (one login holds a seat per account: msgPage's example shows
// `kubrick108` with six); a seat tied to no login is an agent of its own
// until it is tied. Ties:
// 1. an admin's: the seat ids an AgentProfile lists are its login's;
// 2. learned: a seat and a login seen serving the same account are the same
//    agent. When an account was served by several (agents move), the pairs
//    are taken closest in time first (the gap between their spans there,
//    then between their first sightings), a seat going to one login and a
//    login holding one seat per account.

export type AgentIdentityKind = 'SEAT' | 'LOGIN';

export interface Sighting {
  accountWhatsIdBare: string;
  accountWhatsId: string;
  kind: AgentIdentityKind;
  value: string;
  firstChatAt: Date;
  lastChatAt: Date;
}

export interface AgentProfileRow {
  login: string;
  name: string | null;
  seatIds: string[];
}

/** An account an agent served, between the first and last chat time seen there, with the seat it used there. */
export interface AgentAccount {
  accountWhatsIdBare: string;
  accountWhatsId: string;
  seatId: string | null;
  firstChatAt: Date;
  lastChatAt: Date;
}

export interface Agent {
  /** loginKey(login) or, for a seat tied to no login, seatKey(seat id). */
  key: string;
  login: string | null;
  name: string | null;
  seatIds: string[];
  accounts: AgentAccount[];
}

const span = (s: Sighting) => [s.firstChatAt.getTime(), s.lastChatAt.getTime()] as const;

/** The gap between two spans (0 when they overlap). */
function gap(a: readonly [number, number], b: readonly [number, number]): number {
  return Math.max(0, b[0] - a[1], a[0] - b[1]);
}

// Keys (the Agent ids' inner part): a letter and the identity, URI-encoded
// (a global id's inner part must hold no colon).
export const loginKey = (login: string) => `L${encodeURIComponent(login)}`;
export const seatKey = (seat: string) => `S${encodeURIComponent(seat)}`;

function decodeKey(key: string): { kind: 'L' | 'S'; value: string } | null {
  const kind = key[0];
  if (kind !== 'L' && kind !== 'S') return null;
  try {
    return { kind, value: decodeURIComponent(key.slice(1)) };
  } catch {
    return null;
  }
}

export class AgentDirectory {
  /** Seat id → its login, when tied. */
  private readonly loginOfSeat = new Map<string, string>();
  private readonly agents = new Map<string, Agent>();
  /** Seat id → the accounts (bare) it was seen on. */
  private readonly accountsOfSeat = new Map<string, Set<string>>();
  /** Account (bare) → the spans served there, with their agent. */
  private readonly spansOf = new Map<string, { agent: Agent; first: number; last: number }[]>();

  constructor(sightings: readonly Sighting[], profiles: readonly AgentProfileRow[]) {
    for (const p of profiles) for (const seat of p.seatIds) if (!this.loginOfSeat.has(seat)) this.loginOfSeat.set(seat, p.login);
    this.learnTies(sightings);
    for (const p of profiles) this.agentOfLogin(p.login, true)!.name = p.name;
    for (const p of profiles) for (const seat of p.seatIds) this.addSeat(this.agentOfLogin(p.login, true)!, seat);
    for (const s of sightings) {
      const agent = s.kind === 'LOGIN' ? this.agentOfLogin(s.value, true)! : this.agentOfSeat(s.value, true)!;
      if (s.kind === 'SEAT') {
        this.addSeat(agent, s.value);
        const accounts = this.accountsOfSeat.get(s.value) ?? new Set<string>();
        this.accountsOfSeat.set(s.value, accounts.add(s.accountWhatsIdBare));
      }
      this.addAccount(agent, s);
    }
    for (const agent of this.agents.values()) {
      agent.seatIds.sort();
      agent.accounts.sort((a, b) => a.firstChatAt.getTime() - b.firstChatAt.getTime() || (a.accountWhatsIdBare < b.accountWhatsIdBare ? -1 : 1));
    }
    for (const spans of this.spansOf.values()) spans.sort((a, b) => a.first - b.first);
  }

  private learnTies(sightings: readonly Sighting[]): void {
    const byAccount = new Map<string, { seats: Sighting[]; logins: Sighting[] }>();
    for (const s of sightings) {
      let a = byAccount.get(s.accountWhatsIdBare);
      if (!a) byAccount.set(s.accountWhatsIdBare, (a = { seats: [], logins: [] }));
      (s.kind === 'SEAT' ? a.seats : a.logins).push(s);
    }
    const pairs: { seat: string; login: string; account: string; gap: number; start: number }[] = [];
    // A login holding an admin-tied seat on an account is taken there.
    const taken = new Set<string>();
    for (const [account, { seats, logins }] of byAccount) {
      for (const s of seats) {
        const tied = this.loginOfSeat.get(s.value);
        if (tied !== undefined) taken.add(`${tied}\u0000${account}`);
      }
      for (const s of seats) {
        if (this.loginOfSeat.has(s.value)) continue;
        for (const l of logins) pairs.push({ seat: s.value, login: l.value, account, gap: gap(span(s), span(l)), start: Math.abs(span(s)[0] - span(l)[0]) });
      }
    }
    pairs.sort((a, b) => a.gap - b.gap || a.start - b.start || (a.seat < b.seat ? -1 : a.seat > b.seat ? 1 : a.login < b.login ? -1 : a.login > b.login ? 1 : 0));
    for (const p of pairs) {
      const loginHere = `${p.login}\u0000${p.account}`;
      if (this.loginOfSeat.has(p.seat) || taken.has(loginHere)) continue;
      this.loginOfSeat.set(p.seat, p.login);
      taken.add(loginHere);
    }
  }

  private agentOfLogin(login: string, create = false): Agent | null {
    const key = loginKey(login);
    let agent = this.agents.get(key);
    if (!agent && create) this.agents.set(key, (agent = { key, login, name: null, seatIds: [], accounts: [] }));
    return agent ?? null;
  }

  private agentOfSeat(seat: string, create = false): Agent | null {
    const login = this.loginOfSeat.get(seat);
    if (login !== undefined) return this.agentOfLogin(login, create);
    const key = seatKey(seat);
    let agent = this.agents.get(key);
    if (!agent && create) this.agents.set(key, (agent = { key, login: null, name: null, seatIds: [], accounts: [] }));
    return agent ?? null;
  }

  private addSeat(agent: Agent, seat: string): void {
    if (!agent.seatIds.includes(seat)) agent.seatIds.push(seat);
  }

  private addAccount(agent: Agent, s: Sighting): void {
    let account = agent.accounts.find((a) => a.accountWhatsIdBare === s.accountWhatsIdBare);
    if (!account) {
      agent.accounts.push((account = { accountWhatsIdBare: s.accountWhatsIdBare, accountWhatsId: s.accountWhatsId, seatId: null, firstChatAt: s.firstChatAt, lastChatAt: s.lastChatAt }));
      let spans = this.spansOf.get(s.accountWhatsIdBare);
      if (!spans) this.spansOf.set(s.accountWhatsIdBare, (spans = []));
      spans.push({ agent, first: s.firstChatAt.getTime(), last: s.lastChatAt.getTime() });
    } else {
      if (s.firstChatAt < account.firstChatAt) account.firstChatAt = s.firstChatAt;
      if (s.lastChatAt > account.lastChatAt) account.lastChatAt = s.lastChatAt;
      const spanHere = this.spansOf.get(s.accountWhatsIdBare)!.find((x) => x.agent === agent)!;
      spanHere.first = account.firstChatAt.getTime();
      spanHere.last = account.lastChatAt.getTime();
    }
    if (s.kind === 'SEAT' && account.seatId === null) account.seatId = s.value;
  }

  /** Every agent, logins first (by login), then the seats tied to none (by seat id). */
  list(): Agent[] {
    return [...this.agents.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** An agent by key; a seat's key finds its login's agent once tied, so an id handed out before keeps working. */
  byKey(key: string): Agent | null {
    const decoded = decodeKey(key);
    if (!decoded) return null;
    return decoded.kind === 'L' ? this.agentOfLogin(decoded.value) : this.agentOfSeat(decoded.value);
  }

  /** The accounts (bare) a seat id was seen on. */
  seatAccounts(seat: string): string[] {
    return [...(this.accountsOfSeat.get(seat) ?? [])].sort();
  }

  bySeat(seat: string): Agent | null {
    return this.agentOfSeat(seat);
  }

  byLogin(login: string): Agent | null {
    return this.agentOfLogin(login);
  }

  /**
   * The agent of a message: the one its own seat id or login names; for a
   * message that names none, the agent who served its account at its chat
   * time (whose span there holds it; the latest to start, when several).
   */
  ofMessage(m: { agentId: string | null; agentAccount: string | null; accountWhatsIdBare: string; chatTime: Date }): Agent | null {
    if (m.agentAccount) return this.byLogin(m.agentAccount) ?? loneLogin(m.agentAccount);
    if (m.agentId) return this.bySeat(m.agentId) ?? loneSeat(m.agentId);
    const t = m.chatTime.getTime();
    const spans = this.spansOf.get(m.accountWhatsIdBare) ?? [];
    let found: Agent | null = null;
    for (const s of spans) if (s.first <= t && t <= s.last) found = s.agent;
    return found;
  }

  /**
   * The seat id an agent used on an account: the one seen there; else, when
   * an admin gave it exactly one seat id never seen on any account, that one
   * (an admin tie names seats, not accounts); else null (a seat is one
   * account's: one seen elsewhere is not this account's).
   */
  seatOn(agent: Agent, accountWhatsIdBare: string): string | null {
    const seen = agent.accounts.find((a) => a.accountWhatsIdBare === accountWhatsIdBare)?.seatId;
    if (seen) return seen;
    const unseen = agent.seatIds.filter((seat) => !this.accountsOfSeat.has(seat));
    return unseen.length === 1 ? unseen[0]! : null;
  }
}

// A message's own identity, for a directory that has not seen it (a message
// stored before the directory learned, and not backfilled).
const loneLogin = (login: string): Agent => ({ key: loginKey(login), login, name: null, seatIds: [], accounts: [] });
const loneSeat = (seat: string): Agent => ({ key: seatKey(seat), login: null, name: null, seatIds: [seat], accounts: [] });
