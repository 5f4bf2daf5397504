import type { WhitelistEntryType } from '@ai-ninja/contracts';

/** The rows of smart-whitelist's tables, as Kysely sees them (see migrations.ts). */
export interface WhitelistDb {
  whitelist_entries: EntryRow;
  whitelist_rules: { user_id: string; rules: string; updated_at: string };
  profile_outbox: OutboxRow;
}

export interface EntryRow {
  user_id: string;
  phone: string;
  name: string | null;
  type: WhitelistEntryType;
  confidence: number;
  source: string | null;
  expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface OutboxRow {
  id: string;
  payload: string;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
}
