import { defineEndpoint } from './endpoint.js';
import { z } from './zod.js';

/**
 * Audio media types a recording may have, compared by essence (without parameters, case-insensitively; the full
 * value, `audio/L16;rate=8000`, is kept as the recording's Content-Type): what storage accepts, and so what
 * realtime-processor accepts for a call's audio.
 */
export const AUDIO_CONTENT_TYPES = [
  'audio/wav',
  'audio/x-wav',
  'audio/wave',
  'audio/vnd.wave',
  'audio/mpeg',
  'audio/ogg',
  'audio/opus',
  'audio/webm',
  'audio/mp4',
  'audio/aac',
  'audio/flac',
  'audio/x-flac',
  'audio/l16',
  'audio/basic',
  'audio/pcmu',
  'audio/pcma',
] as const;

/** A media type's essence: `Audio/L16; rate=8000` → `audio/l16`. */
export const mediaTypeEssence = (value: string): string => value.split(';')[0]!.trim().toLowerCase();

/** Whether `contentType` is an audio type storage keeps. */
export const isAudioContentType = (contentType: string): boolean => (AUDIO_CONTENT_TYPES as readonly string[]).includes(mediaTypeEssence(contentType));

/**
 * `POST /api/v1/storage/audio/upload` on storage: the body is the raw audio with its Content-Type (a service
 * streams it with the client's `rawBody`), the answer the stored recording.
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
