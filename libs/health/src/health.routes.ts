import { Router, type Response } from 'express';
import { HEALTH_MEDIA_TYPE } from '@ai-ninja/contracts';
import type { HealthRegistry, HealthResponse } from './health-registry.js';

/** The three health routes: `/health`, `/health/ready` and `/health/live`, answered as `application/health+json`. */
export function healthRouter(registry: HealthRegistry): Router {
  const router = Router();
  router.get('/health', async (_req, res) => send(res, await registry.summary()));
  router.get('/health/ready', async (_req, res) => send(res, await registry.readiness()));
  router.get('/health/live', (_req, res) => send(res, registry.liveness()));
  return router;
}

function send(res: Response, { httpStatus, body }: HealthResponse): void {
  res.status(httpStatus).set('Cache-Control', 'no-store').type(HEALTH_MEDIA_TYPE).send(JSON.stringify(body));
}
