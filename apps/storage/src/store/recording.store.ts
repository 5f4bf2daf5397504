import { sql, type Kysely, type Selectable } from 'kysely';
import { toNumber, type Migrations } from '@ai-ninja/data';

/** A recording's metadata, as the service works with it. */
export interface Recording {
  readonly id: string;
  readonly userId: string;
  readonly callId: string | null;
  readonly contentType: string;
  readonly size: number;
  /** Hex SHA-256 of the bytes, computed while they were stored; also the ETag. */
  readonly sha256: string;
  readonly durationMs: number | null;
  /** Where the bytes are in the blob store: `audio/…` or, once archived, `archive/…`. */
  readonly blobKey: string;
  /** Who uploaded it: `user:<id>` or `service:<name>`. */
  readonly uploadedBy: string;
  /** ISO 8601 UTC, millisecond precision: sorts as text. */
  readonly createdAt: string;
  readonly archivedAt: string | null;
}

interface RecordingsTable {
  id: string;
  user_id: string;
  call_id: string | null;
  content_type: string;
  size_bytes: number | string;
  sha256: string;
  duration_ms: number | null;
  blob_key: string;
  uploaded_by: string;
  created_at: string;
  archived_at: string | null;
}

/** storage's tables. */
export interface StorageDatabase {
  recordings: RecordingsTable;
}

/** storage's migrations; a shipped migration is never edited: add a new one. */
export const storageMigrations: Migrations = {
  '001_recordings': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('recordings')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('user_id', 'text', (column) => column.notNull())
        .addColumn('call_id', 'text')
        .addColumn('content_type', 'text', (column) => column.notNull())
        .addColumn('size_bytes', 'bigint', (column) => column.notNull())
        .addColumn('sha256', 'text', (column) => column.notNull())
        .addColumn('duration_ms', 'integer')
        .addColumn('blob_key', 'text', (column) => column.notNull())
        .addColumn('uploaded_by', 'text', (column) => column.notNull())
        .addColumn('created_at', 'text', (column) => column.notNull())
        .addColumn('archived_at', 'text')
        .execute();
      await db.schema.createIndex('recordings_user_created').on('recordings').columns(['user_id', 'created_at', 'id']).execute();
      await db.schema.createIndex('recordings_call').on('recordings').columns(['call_id', 'created_at', 'id']).execute();
      await db.schema.createIndex('recordings_created').on('recordings').columns(['created_at', 'id']).execute();
    },
  },
};

/** Which recordings a listing, an archive run or a cleanup run looks at. */
export interface RecordingFilter {
  readonly userId?: string | undefined;
  readonly callId?: string | undefined;
  /** Created strictly before this ISO time. */
  readonly createdBefore?: string | undefined;
  /** true: only archived ones; false: only ones not archived; unset: both. */
  readonly archived?: boolean | undefined;
}

/** A position in a listing: the last recording of the previous page (newest first). */
export interface ListPosition {
  readonly createdAt: string;
  readonly id: string;
}

/** Recordings' metadata in the service's database (SQLite or PostgreSQL, one query layer). */
export class RecordingStore {
  /** `database` returns the open database: it is opened (and migrated) when the service starts listening. */
  constructor(private readonly database: () => Kysely<StorageDatabase>) {}

  private get db(): Kysely<StorageDatabase> {
    return this.database();
  }

  async insert(recording: Recording): Promise<void> {
    await this.db.insertInto('recordings').values(toRow(recording)).execute();
  }

  async get(id: string): Promise<Recording | undefined> {
    const row = await this.db.selectFrom('recordings').selectAll().where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  }

  /** Newest first, `limit` at most, after `after` when given. */
  async list(filter: RecordingFilter, limit: number, after?: ListPosition): Promise<Recording[]> {
    let query = this.#filtered(filter).selectAll();
    if (after) {
      query = query.where((eb) =>
        eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]),
      );
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(fromRow);
  }

  /** A batch of matching recordings in id order after `afterId`: for runs over many rows without holding them all. */
  async batch(filter: RecordingFilter, afterId: string, limit: number): Promise<Recording[]> {
    const rows = await this.#filtered(filter).selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();
    return rows.map(fromRow);
  }

  /** Records that the blob moved to `blobKey` in the archive; false when the row was gone or already archived. */
  async markArchived(id: string, blobKey: string, archivedAt: string): Promise<boolean> {
    const result = await this.db
      .updateTable('recordings')
      .set({ blob_key: blobKey, archived_at: archivedAt })
      .where('id', '=', id)
      .where('archived_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Points a row at where its blob really is (repair after an archive run cut short between move and update). */
  async setBlobKey(id: string, blobKey: string, archivedAt: string | null): Promise<void> {
    await this.db.updateTable('recordings').set({ blob_key: blobKey, archived_at: archivedAt }).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('recordings').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('recordings').select(sql<string | number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    return toNumber(row.n);
  }

  #filtered(filter: RecordingFilter) {
    let query = this.db.selectFrom('recordings');
    if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
    if (filter.callId !== undefined) query = query.where('call_id', '=', filter.callId);
    if (filter.createdBefore !== undefined) query = query.where('created_at', '<', filter.createdBefore);
    if (filter.archived === true) query = query.where('archived_at', 'is not', null);
    if (filter.archived === false) query = query.where('archived_at', 'is', null);
    return query;
  }
}

function toRow(recording: Recording): RecordingsTable {
  return {
    id: recording.id,
    user_id: recording.userId,
    call_id: recording.callId,
    content_type: recording.contentType,
    size_bytes: recording.size,
    sha256: recording.sha256,
    duration_ms: recording.durationMs,
    blob_key: recording.blobKey,
    uploaded_by: recording.uploadedBy,
    created_at: recording.createdAt,
    archived_at: recording.archivedAt,
  };
}

function fromRow(row: Selectable<RecordingsTable>): Recording {
  return {
    id: row.id,
    userId: row.user_id,
    callId: row.call_id,
    contentType: row.content_type,
    // PostgreSQL returns bigint as a string.
    size: toNumber(row.size_bytes),
    sha256: row.sha256,
    durationMs: row.duration_ms === null ? null : toNumber(row.duration_ms),
    blobKey: row.blob_key,
    uploadedBy: row.uploaded_by,
    createdAt: row.created_at,
    archivedAt: row.archived_at,
  };
}
