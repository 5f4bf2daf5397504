import { SERVICE_NAMES, z } from '@ai-ninja/contracts';

const common = {
  name: z.string().trim().min(1).max(200).optional().describe('For people; defaults to a description of the rule'),
  service: z.enum(SERVICE_NAMES).optional().describe('The service watched; absent: every service, each alerting on its own'),
  forSeconds: z.number().min(0).max(86_400).describe('How long the condition must hold before the alert fires'),
};

const VARIANTS = [
  z.object({ kind: z.literal('service_down'), ...common }),
  z.object({
    kind: z.literal('error_rate'),
    ...common,
    threshold: z.number().gt(0).lt(1).describe('Share of requests answered with an error, 0..1 (0.05 = 5 %)'),
    statusClass: z.enum(['5xx', '4xx', 'any']).default('5xx').describe('Which answers count as errors'),
  }),
  z.object({
    kind: z.literal('latency_p99'),
    ...common,
    thresholdMs: z.number().positive().max(3_600_000).describe('p99 latency above which the condition holds, ms'),
  }),
] as const;

/** A new alert rule, as `POST /api/v1/monitoring/alerts` takes it: unknown fields are refused. */
export const NewAlertRuleSchema = z
  .discriminatedUnion('kind', [VARIANTS[0].strict(), VARIANTS[1].strict(), VARIANTS[2].strict()])
  .openapi('NewAlertRule');
export type NewAlertRule = z.output<typeof NewAlertRuleSchema>;

/** A stored alert rule. */
export type AlertRule = NewAlertRule & { readonly id: string; readonly name: string; readonly createdAt: string };

const stored = { id: z.string(), name: z.string(), createdAt: z.iso.datetime() };
/** A stored alert rule: each kind with its id, name and creation time (a union of objects, so that a rule can match). */
export const AlertRuleSchema = z
  .discriminatedUnion('kind', [VARIANTS[0].extend(stored), VARIANTS[1].extend(stored), VARIANTS[2].extend(stored)])
  .openapi('AlertRule');

/** An alert: a rule's condition held long enough on one service. Firing until the condition stops holding. */
export const AlertSchema = z
  .object({
    id: z.string(),
    ruleId: z.string(),
    ruleName: z.string(),
    kind: z.enum(['service_down', 'error_rate', 'latency_p99']),
    service: z.enum(SERVICE_NAMES),
    state: z.enum(['firing', 'resolved']),
    message: z.string(),
    /** The observed value when it fired (seconds down, error ratio, p99 ms). */
    value: z.number().nullable(),
    conditionSince: z.iso.datetime().describe('When the condition started to hold'),
    firedAt: z.iso.datetime(),
    resolvedAt: z.iso.datetime().nullable(),
    resolution: z.string().optional().describe('Why it resolved: the condition cleared, or the rule was deleted'),
  })
  .openapi('Alert');
export type Alert = z.output<typeof AlertSchema>;

/** What is sent to `MONITORING_ALERT_WEBHOOK_URL` on each fire and resolve. */
export interface AlertEvent {
  readonly event: 'alert.fired' | 'alert.resolved';
  readonly alert: Alert;
  readonly rule: AlertRule;
  readonly sentBy: 'monitoring';
}
