import { defineEndpoint, z } from '@ai-ninja/contracts';

/**
 * storage's upload, as realtime-processor calls it: the body is the raw audio (sent as a stream with its media type),
 * the answer the stored recording (only its id is read here). Defined beside its only caller until libs/contracts
 * carries storage's endpoints.
 */
export const UploadRecordingEndpoint = defineEndpoint({
  service: 'storage',
  method: 'post',
  path: '/api/v1/storage/audio/upload',
  summary: 'Upload a call recording (raw audio body)',
  query: z.object({ callId: z.string().min(1).max(128), userId: z.string().min(1).max(128), durationMs: z.number().int().min(0).optional() }),
  response: z.looseObject({ id: z.string().min(1) }),
  successStatuses: [201],
});
