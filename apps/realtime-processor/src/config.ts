import { z } from '@ai-ninja/contracts';
import { envInt, serviceConfigSchema } from '@ai-ninja/service-kit';

const KIB = 1024;
const MIB = 1024 * KIB;

/** realtime-processor's environment: the kit's variables (PORT defaults to the catalog's port) and its own. */
export const configSchema = serviceConfigSchema('realtime-processor')
  .extend({
    /** Recordings being spooled or waiting for storage, and reports waiting for phone-gateway, live under `${DATA_DIR}/realtime-processor`. */
    DATA_DIR: z.string().min(1).default('.data'),
    /** How long one turn may wait for conversation-engine's reply before a scripted reply answers instead. */
    REALTIME_TURN_DEADLINE_MS: envInt(50, 30_000).default(800),
    /** Retries of a turn's engine call within its deadline (a retried POST carries the same Idempotency-Key). */
    REALTIME_TURN_RETRIES: envInt(0, 2).default(0),
    /** Largest WebSocket frame accepted; a larger one closes the connection with 1009. */
    REALTIME_MAX_FRAME_BYTES: envInt(KIB, 16 * MIB).default(256 * KIB),
    /** Messages per second a connection may send, on average (token bucket refill rate). */
    REALTIME_RATE_PER_SECOND: envInt(1, 10_000).default(100),
    /** Messages a connection may send at once above the rate (token bucket size). */
    REALTIME_RATE_BURST: envInt(1, 100_000).default(200),
    /** Error replies (malformed frames, rate limiting, …) after which the connection is closed with 1008. */
    REALTIME_MAX_ERRORS: envInt(1, 10_000).default(20),
    /** Audio bytes (decoded) one call may send; chunks past it are refused with AUDIO_LIMIT_EXCEEDED. */
    REALTIME_MAX_AUDIO_BYTES_PER_CALL: envInt(KIB, 4096 * MIB).default(100 * MIB),
    /** Final transcripts waiting for their answer (the one being answered included); more are refused with TOO_MANY_PENDING_TURNS. */
    REALTIME_MAX_PENDING_TURNS: envInt(1, 1000).default(8),
    /** A call that sends no message for this long ends with `timeout` (close 4408). */
    REALTIME_IDLE_TIMEOUT_MS: envInt(100, 3_600_000).default(60_000),
    /** The server pings every connection this often. */
    REALTIME_HEARTBEAT_INTERVAL_MS: envInt(10, 600_000).default(15_000),
    /** A connection from which nothing (pong or message) arrived for this long is cut (the call ends as connection_lost). */
    REALTIME_HEARTBEAT_TIMEOUT_MS: envInt(20, 1_200_000).default(30_000),
    /** At shutdown, calls still open after this long are ended (call_end `shutdown`, close 1001). Keep it under SHUTDOWN_TIMEOUT_MS. */
    REALTIME_SHUTDOWN_GRACE_MS: envInt(0, 600_000).default(2000),
    /** First retry delay of an undelivered report or recording; it doubles on each failed pass up to the maximum. */
    REALTIME_DELIVERY_RETRY_MS: envInt(10, 3_600_000).default(1000),
    REALTIME_DELIVERY_RETRY_MAX_MS: envInt(10, 3_600_000).default(60_000),
    /** Deadline of one recording upload to storage. */
    REALTIME_UPLOAD_TIMEOUT_MS: envInt(100, 3_600_000).default(60_000),
  })
  .refine((config) => config.REALTIME_HEARTBEAT_TIMEOUT_MS > config.REALTIME_HEARTBEAT_INTERVAL_MS, {
    message: 'must be longer than REALTIME_HEARTBEAT_INTERVAL_MS (a connection gets at least one ping to answer)',
    path: ['REALTIME_HEARTBEAT_TIMEOUT_MS'],
  })
  .refine((config) => config.REALTIME_DELIVERY_RETRY_MAX_MS >= config.REALTIME_DELIVERY_RETRY_MS, {
    message: 'must be at least REALTIME_DELIVERY_RETRY_MS',
    path: ['REALTIME_DELIVERY_RETRY_MAX_MS'],
  })
  .refine((config) => config.REALTIME_SHUTDOWN_GRACE_MS < config.SHUTDOWN_TIMEOUT_MS, {
    message: 'must be shorter than SHUTDOWN_TIMEOUT_MS (open calls are ended within the shutdown)',
    path: ['REALTIME_SHUTDOWN_GRACE_MS'],
  });

/** realtime-processor's validated configuration. */
export type Config = z.output<typeof configSchema>;
