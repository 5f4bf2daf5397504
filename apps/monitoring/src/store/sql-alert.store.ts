import type { Kysely } from 'kysely';
import type { Migrations } from '@ai-ninja/data';
import { AlertRuleSchema, AlertSchema, type Alert, type AlertRule } from '../domain/alert.types.js';
import type { AlertStore } from './alert.store.js';

/**
 * monitoring's tables. A rule or an alert is kept whole as JSON (validated when read back), with the columns the
 * queries sort and filter on beside it. Timestamps are ISO-8601 UTC text, which sorts as time on both dialects.
 */
export interface MonitoringDb {
  alert_rules: {
    id: string;
    created_at: string;
    rule_json: string;
  };
  alerts: {
    id: string;
    rule_id: string;
    service: string;
    state: string;
    fired_at: string;
    resolved_at: string | null;
    alert_json: string;
  };
}

/** monitoring's migrations: never edit one that has shipped; add the next. */
export const migrations: Migrations = {
  '001_alerts': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('alert_rules')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('rule_json', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('alerts')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('rule_id', 'varchar(36)', (c) => c.notNull())
        .addColumn('service', 'varchar(64)', (c) => c.notNull())
        .addColumn('state', 'varchar(16)', (c) => c.notNull())
        .addColumn('fired_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('resolved_at', 'varchar(32)')
        .addColumn('alert_json', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('alerts_state_resolved_at').on('alerts').columns(['state', 'resolved_at']).execute();
    },
  },
};

/**
 * Rules and alerts in the service's database (SQLite by default, PostgreSQL with DATABASE_URL): they survive a
 * restart, and firing alerts stay firing across it. Resolved alerts beyond `resolvedLimit` are deleted, oldest first.
 */
export class SqlAlertStore implements AlertStore {
  constructor(
    private readonly db: Kysely<MonitoringDb>,
    private readonly resolvedLimit: number,
  ) {}

  async listRules(): Promise<AlertRule[]> {
    const rows = await this.db.selectFrom('alert_rules').select('rule_json').orderBy('created_at').orderBy('id').execute();
    return rows.map((row) => AlertRuleSchema.parse(JSON.parse(row.rule_json)) as AlertRule);
  }

  async addRule(rule: AlertRule): Promise<void> {
    await this.db.insertInto('alert_rules').values({ id: rule.id, created_at: rule.createdAt, rule_json: JSON.stringify(rule) }).execute();
  }

  async deleteRule(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('alert_rules').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listAlerts(): Promise<Alert[]> {
    const firing = await this.db.selectFrom('alerts').select('alert_json').where('state', '=', 'firing').orderBy('fired_at', 'desc').execute();
    const resolved = await this.db
      .selectFrom('alerts')
      .select('alert_json')
      .where('state', '=', 'resolved')
      .orderBy('resolved_at', 'desc')
      .limit(this.resolvedLimit)
      .execute();
    return [...firing, ...resolved].map((row) => AlertSchema.parse(JSON.parse(row.alert_json)));
  }

  async saveAlert(alert: Alert): Promise<void> {
    const row = { state: alert.state, resolved_at: alert.resolvedAt, alert_json: JSON.stringify(alert) };
    await this.db
      .insertInto('alerts')
      .values({ id: alert.id, rule_id: alert.ruleId, service: alert.service, fired_at: alert.firedAt, ...row })
      .onConflict((oc) => oc.column('id').doUpdateSet(row))
      .execute();
    if (alert.state !== 'resolved') return;
    const stale = await this.db
      .selectFrom('alerts')
      .select('id')
      .where('state', '=', 'resolved')
      .orderBy('resolved_at', 'desc')
      .offset(this.resolvedLimit)
      .limit(1000)
      .execute();
    if (stale.length > 0)
      await this.db
        .deleteFrom('alerts')
        .where(
          'id',
          'in',
          stale.map((s) => s.id),
        )
        .execute();
  }
}
