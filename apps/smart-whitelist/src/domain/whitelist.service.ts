import { randomUUID } from 'node:crypto';
import type {
  ImportContactsResult,
  LearningResult,
  SmartAddContext,
  WhitelistDecision,
  WhitelistEntry,
  WhitelistEntryType,
  WhitelistPage,
  WhitelistRules,
} from '@ai-ninja/contracts';
import type { Cache } from '@ai-ninja/data';
import { AppError, type Logger } from '@ai-ninja/service-kit';
import type { EntryRow } from '../store/schema.js';
import type { WhitelistStore } from '../store/whitelist.store.js';
import { decide, DEFAULT_RULES, type Rules } from './evaluation.js';
import type { PhoneNormalizer } from './phone.js';
import { ProfileOutbox } from './profile-outbox.js';
import type { ProfileSource } from './profile-source.js';

/** Confidence of a learned entry by what made it learned (README: Smart add). */
export const CONTEXT_CONFIDENCE: Readonly<Record<SmartAddContext, number>> = {
  outgoing_call: 0.9,
  called_back: 0.85,
  answered_long_call: 0.75,
  repeated_answered: 0.7,
  message_exchange: 0.65,
};
/** Confidence a user's "wanted" verdict adds to a learned entry. */
export const WANTED_CONFIDENCE = 0.6;
/** Learned confidence never reaches 1: only the user's own entries are certain. */
const MAX_LEARNED = 0.99;

/** Two independent signs that the user wants a caller: 1 - (1 - a)(1 - b), capped. */
export function combineConfidence(a: number, b: number): number {
  return Math.min(MAX_LEARNED, Math.round((1 - (1 - a) * (1 - b)) * 1000) / 1000);
}

export interface WhitelistServiceDeps {
  readonly store: WhitelistStore;
  readonly phones: PhoneNormalizer;
  readonly profiles: ProfileSource;
  readonly outbox: ProfileOutbox;
  /** Undefined when WHITELIST_EVAL_CACHE_TTL_MS is 0. */
  readonly evaluations: Cache<WhitelistDecision> | undefined;
  readonly evaluationTtlMs: number;
  readonly outboxRetryMs: number;
  readonly logger: Logger;
}

/** smart-whitelist's logic: entries, rules, learning, and evaluation with its cache. */
export class WhitelistService {
  readonly #deps: WhitelistServiceDeps;
  /** Bumped by every change of a user's data: an evaluation computed across a change is not cached. */
  readonly #generations = new Map<string, number>();

  constructor(deps: WhitelistServiceDeps) {
    this.#deps = deps;
  }

  async list(userId: string, query: { limit: number; cursor?: string | undefined; page?: number | undefined; type?: WhitelistEntryType | undefined }): Promise<WhitelistPage> {
    const afterPhone = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const offset = query.page === undefined ? undefined : (query.page - 1) * query.limit;
    // One row more than the page tells whether another page follows.
    const { rows: fetched, total } = await this.#deps.store.listEntries(userId, {
      limit: query.limit + 1,
      ...(afterPhone !== undefined ? { afterPhone } : {}),
      ...(offset !== undefined ? { offset } : {}),
      ...(query.type ? { type: query.type } : {}),
    });
    const now = new Date().toISOString();
    const rows = fetched.slice(0, query.limit);
    const last = rows.at(-1);
    const more = last !== undefined && fetched.length > query.limit;
    return {
      entries: rows.map((row) => toEntry(row, now)),
      total,
      limit: query.limit,
      ...(query.page !== undefined ? { page: query.page } : {}),
      nextCursor: more ? encodeCursor(last.phone) : null,
    };
  }

  async add(userId: string, body: { phone: string; name?: string | undefined; type: WhitelistEntryType; expiresAt?: string | undefined }): Promise<{ entry: WhitelistEntry; created: boolean }> {
    const phone = this.#deps.phones.normalize(body.phone);
    const now = new Date();
    if (body.expiresAt !== undefined && Date.parse(body.expiresAt) <= now.getTime()) {
      throw new AppError(400, 'EXPIRY_IN_PAST', `expiresAt ${body.expiresAt} is in the past: a temporary entry must expire in the future`);
    }
    const result = await this.#deps.store.transaction(async (store) => {
      const existing = await store.getEntry(userId, phone);
      const row: EntryRow = {
        user_id: userId,
        phone,
        name: body.name ?? existing?.name ?? null,
        type: body.type,
        confidence: body.type === 'learned' ? (existing?.type === 'learned' ? existing.confidence : WANTED_CONFIDENCE) : 1,
        source: body.type === 'learned' ? (existing?.source ?? 'manual') : null,
        expires_at: body.expiresAt ? new Date(body.expiresAt).toISOString() : null,
        created_at: existing?.created_at ?? now.toISOString(),
        updated_at: now.toISOString(),
      };
      await store.putEntry(row);
      // The user says they want this number: a block they set earlier no longer stands.
      if (body.type !== 'learned') await this.#unblock(store, userId, [phone], now);
      return { entry: toEntry(row, now.toISOString()), created: !existing };
    });
    await this.#changed(userId);
    return result;
  }

  async remove(userId: string, phoneInput: string): Promise<void> {
    const phone = this.#deps.phones.normalize(phoneInput);
    const deleted = await this.#deps.store.deleteEntry(userId, phone);
    await this.#changed(userId);
    if (!deleted) throw new AppError(404, 'WHITELIST_ENTRY_NOT_FOUND', `${phone} is not on this user’s whitelist`);
  }

  async smartAdd(userId: string, body: { phone: string; name?: string | undefined; context: SmartAddContext; confidence?: number | undefined }): Promise<{ entry: WhitelistEntry; created: boolean }> {
    const phone = this.#deps.phones.normalize(body.phone);
    const evidence = Math.min(MAX_LEARNED, body.confidence ?? CONTEXT_CONFIDENCE[body.context]);
    const now = new Date();
    const nowIso = now.toISOString();
    const result = await this.#deps.store.transaction(async (store) => {
      const existing = await store.getEntry(userId, phone);
      if (existing && isActive(existing, nowIso) && existing.type !== 'learned') {
        // The user's own entry is certain already; a guess never replaces it.
        return { entry: toEntry(existing, nowIso), created: false };
      }
      const learned = existing?.type === 'learned';
      const row: EntryRow = {
        user_id: userId,
        phone,
        name: body.name ?? existing?.name ?? null,
        type: 'learned',
        confidence: learned ? combineConfidence(existing.confidence, evidence) : evidence,
        source: body.context,
        expires_at: null,
        created_at: existing?.created_at ?? nowIso,
        updated_at: nowIso,
      };
      await store.putEntry(row);
      return { entry: toEntry(row, nowIso), created: !existing };
    });
    await this.#changed(userId);
    return result;
  }

  async importContacts(userId: string, contacts: ReadonlyArray<{ phone: string; name?: string | undefined }>): Promise<ImportContactsResult> {
    const invalid: ImportContactsResult['invalid'] = [];
    const valid = new Map<string, { phone: string; name: string | null }>();
    contacts.forEach((contact, index) => {
      const normalized = this.#deps.phones.tryNormalize(contact.phone);
      if ('reason' in normalized) {
        invalid.push({ index, phone: contact.phone, reason: normalized.reason });
        return;
      }
      // The same number twice in one import: one entry, the later name wins.
      const name = contact.name ? contact.name : (valid.get(normalized.phone)?.name ?? null);
      valid.delete(normalized.phone);
      valid.set(normalized.phone, { phone: normalized.phone, name });
    });
    const now = new Date();
    const counts = await this.#deps.store.transaction(async (store) => {
      const saved = await store.importContacts(userId, [...valid.values()], now.toISOString());
      await this.#unblock(store, userId, [...valid.keys()], now);
      return saved;
    });
    await this.#changed(userId);
    this.#deps.logger.info({ userId, ...counts, invalid: invalid.length }, 'contacts imported');
    return { ...counts, invalid };
  }

  async getRules(userId: string): Promise<WhitelistRules> {
    const stored = await this.#deps.store.getRules(userId);
    return { userId, ...(stored ? (JSON.parse(stored.rules) as Rules) : DEFAULT_RULES), updatedAt: stored?.updated_at ?? null } as WhitelistRules;
  }

  async putRules(userId: string, body: Omit<Rules, 'blockedNumbers'> & { blockedNumbers: readonly string[] }): Promise<WhitelistRules> {
    const blockedNumbers = [...new Set(body.blockedNumbers.map((input, i) => this.#deps.phones.normalize(input, `blockedNumbers[${i}]`)))];
    const rules: Rules = {
      blockedPrefixes: [...new Set(body.blockedPrefixes)],
      blockedNumbers,
      contactsOnly: body.contactsOnly,
      allowCategories: [...new Set(body.allowCategories)],
      blockCategories: [...new Set(body.blockCategories)],
      spamThreshold: body.spamThreshold,
    };
    const now = new Date().toISOString();
    await this.#deps.store.putRules(userId, JSON.stringify(rules), now);
    await this.#changed(userId);
    return { userId, ...rules, updatedAt: now } as WhitelistRules;
  }

  /** A user's verdict on a caller: changes their entries or blocked numbers, and reports it to profile-analytics. */
  async learn(body: { userId: string; phone: string; feedback: 'wanted' | 'spam'; callId?: string | undefined }): Promise<LearningResult> {
    const { userId, feedback } = body;
    const phone = this.#deps.phones.normalize(body.phone);
    const now = new Date();
    const nowIso = now.toISOString();
    const outboxId = randomUUID();
    const report = { phone, feedback, userId, ...(body.callId ? { callId: body.callId } : {}) };
    const outboxRow = ProfileOutbox.row(outboxId, report, now, this.#deps.outboxRetryMs);

    const local = await this.#deps.store.transaction(async (store) => {
      const changes: string[] = [];
      let entry = await store.getEntry(userId, phone);
      const rules = await this.#rules(store, userId);
      let blocked = rules.blockedNumbers.includes(phone);
      if (feedback === 'wanted') {
        if (!entry || entry.type === 'learned' || !isActive(entry, nowIso)) {
          const raised = entry?.type === 'learned' ? combineConfidence(entry.confidence, WANTED_CONFIDENCE) : WANTED_CONFIDENCE;
          entry = {
            user_id: userId,
            phone,
            name: entry?.name ?? null,
            type: 'learned',
            confidence: raised,
            source: 'feedback',
            expires_at: null,
            created_at: entry?.created_at ?? nowIso,
            updated_at: nowIso,
          };
          await store.putEntry(entry);
          changes.push(`learned entry, confidence ${raised}`);
        } else {
          changes.push(`already on the whitelist (${entry.type}): unchanged`);
        }
        if (blocked) {
          await this.#unblock(store, userId, [phone], now);
          blocked = false;
          changes.push('removed from the blocked numbers');
        }
      } else {
        if (entry?.type === 'learned') {
          await store.deleteEntry(userId, phone, 'learned');
          entry = undefined;
          changes.push('learned entry removed');
        }
        if (entry && isActive(entry, nowIso)) {
          changes.push(`kept the ${entry.type} entry the user added: remove it to block the number`);
        } else if (!blocked) {
          await store.putRules(userId, JSON.stringify({ ...rules, blockedNumbers: [...rules.blockedNumbers, phone] }), nowIso);
          blocked = true;
          changes.push('added to the blocked numbers');
        } else {
          changes.push('already blocked');
        }
      }
      await store.addToOutbox(outboxRow);
      return { entry, blocked, changes };
    });
    await this.#changed(userId);
    await this.#deps.profiles.forget(phone);

    const delivery = await this.#deps.outbox.deliver(outboxId, outboxRow.payload);
    if (!delivery.delivered) this.#deps.logger.warn({ userId, phone, reason: delivery.reason }, 'profile-analytics did not take the report; it waits in the outbox');
    return {
      userId,
      phone,
      feedback,
      entry: local.entry ? toEntry(local.entry, nowIso) : null,
      blocked: local.blocked,
      changes: local.changes,
      profile: delivery.delivered
        ? { delivered: true, queued: false }
        : { delivered: false, queued: !delivery.permanent, reason: delivery.reason },
    };
  }

  /** Whether `phone` should reach `userId` (README: How a caller is evaluated). */
  async evaluate(phone: string, userId: string | undefined): Promise<WhitelistDecision> {
    const cache = userId === undefined ? undefined : this.#deps.evaluations;
    if (cache) {
      const cached = await cache.get(userId!, phone);
      if (cached) return cached;
    }
    const generation = userId === undefined ? 0 : (this.#generations.get(userId) ?? 0);
    const nowIso = new Date().toISOString();
    const [profile, entry, rules] = await Promise.all([
      this.#deps.profiles.lookup(phone),
      userId === undefined ? undefined : this.#deps.store.getEntry(userId, phone),
      userId === undefined ? DEFAULT_RULES : this.#rules(this.#deps.store, userId),
    ]);
    const active = entry && isActive(entry, nowIso) ? entry : undefined;
    const decision = decide({ phone, entry: active, rules, profile, forUser: userId !== undefined });
    // Not cached: an answer made without the profile (the next one may have it), or one a change raced with.
    if (cache && profile.status !== 'unavailable' && (this.#generations.get(userId!) ?? 0) === generation) {
      // A temporary entry's allow lasts no longer than the entry.
      const ttl = active?.expires_at ? Math.min(this.#deps.evaluationTtlMs, Date.parse(active.expires_at) - Date.now()) : this.#deps.evaluationTtlMs;
      if (ttl > 0) await cache.set(userId!, phone, decision, ttl);
    }
    return decision;
  }

  async #rules(store: WhitelistStore, userId: string): Promise<Rules> {
    const stored = await store.getRules(userId);
    return stored ? (JSON.parse(stored.rules) as Rules) : DEFAULT_RULES;
  }

  /** Takes numbers off a user's blocked numbers (in the caller's transaction). */
  async #unblock(store: WhitelistStore, userId: string, phones: readonly string[], now: Date): Promise<void> {
    const rules = await this.#rules(store, userId);
    const drop = new Set(phones);
    if (!rules.blockedNumbers.some((phone) => drop.has(phone))) return;
    await store.putRules(userId, JSON.stringify({ ...rules, blockedNumbers: rules.blockedNumbers.filter((phone) => !drop.has(phone)) }), now.toISOString());
  }

  /**
   * A call of `phone` to `userId` ended (call.completed): profile-analytics learns from it, so the caller's cached
   * profile and the user's cached evaluations are void, and the next decision reads what it learnt.
   */
  async callCompleted(userId: string, phone: string): Promise<void> {
    await this.#deps.profiles.forget(phone);
    await this.#changed(userId);
  }

  /** After any change of a user's entries or rules: their cached evaluations are void. */
  async #changed(userId: string): Promise<void> {
    this.#generations.set(userId, (this.#generations.get(userId) ?? 0) + 1);
    await this.#deps.evaluations?.invalidate(userId);
  }
}

function isActive(row: EntryRow, nowIso: string): boolean {
  return row.expires_at === null || row.expires_at > nowIso;
}

function toEntry(row: EntryRow, nowIso: string): WhitelistEntry {
  return {
    phone: row.phone,
    name: row.name,
    type: row.type,
    confidence: row.confidence,
    source: row.source,
    expiresAt: row.expires_at,
    active: isActive(row, nowIso),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function encodeCursor(phone: string): string {
  return Buffer.from(phone).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const phone = Buffer.from(cursor, 'base64url').toString();
  if (!/^\+[1-9]\d{1,14}$/.test(phone)) throw new AppError(400, 'INVALID_CURSOR', 'cursor is not one this API gave: pass nextCursor of the previous page');
  return phone;
}
