import { ErrorEnvelopeSchema, z } from '@ai-ninja/contracts';
import { AppError, type Service } from '@ai-ninja/service-kit';
import { REALTIME_ERROR_CODES, REALTIME_PATH, SUBPROTOCOL } from '../domain/protocol.js';

const envelope = (description: string) => ({ description, schema: ErrorEnvelopeSchema });

/**
 * realtime-processor's HTTP routes. The live call itself is a WebSocket (see realtime.gateway.ts and the README);
 * its path is documented here so that it appears in the OpenAPI document, and a plain HTTP request to it learns
 * that it needs an upgrade.
 */
export function registerRoutes(service: Service): void {
  service.route({
    method: 'get',
    path: REALTIME_PATH,
    summary: 'The live call: a WebSocket (JSON text frames) authenticated by the call token from phone-gateway',
    description:
      'Open it as a WebSocket (`Upgrade: websocket`), with the call token as `?token=`, `Authorization: Bearer`, or the ' +
      `subprotocol \`bearer.<token>\` (offer \`${SUBPROTOCOL}\` too, which the server then selects). One live connection ` +
      'per call. The messages, limits and close codes are in the service README. A plain HTTP request gets 426.',
    tags: ['realtime'],
    auth: 'public',
    request: { query: z.object({ token: z.string().optional().describe('The call token (or use a header or the subprotocol)') }) },
    responses: {
      101: { description: 'Switching protocols: the call is connected' },
      401: envelope('No call token, or an invalid or expired one (UNAUTHENTICATED)'),
      409: envelope('The call already has a live connection (CALL_ALREADY_CONNECTED) or has ended (CALL_ALREADY_ENDED)'),
      426: envelope('A plain HTTP request: this endpoint is a WebSocket (UPGRADE_REQUIRED)'),
      503: envelope('The instance is shutting down (SHUTTING_DOWN)'),
    },
    handler: () => {
      throw new AppError(426, REALTIME_ERROR_CODES.upgradeRequired, `${REALTIME_PATH} is a WebSocket endpoint: open it with Upgrade: websocket`, undefined, {
        Upgrade: 'websocket',
        Connection: 'Upgrade',
      });
    },
  });
}
