import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { AUDIO_CONTENT_TYPES, COMMON_ERROR_CODES, ErrorEnvelopeSchema, isAudioContentType, type Principal } from '@ai-ninja/contracts';
import { AppError, assertCanAccess, isPrivileged, type Service } from '@ai-ninja/service-kit';
import { STORAGE_ERROR_CODES, type StorageService } from '../domain/storage.service.js';
import type { ByteRange } from '../store/blob-driver.js';
import type { Recording } from '../store/recording.store.js';
import { ListQuery, RecordingIdParams, RecordingPageSchema, RecordingSchema, toView, UploadQuery } from './schemas.js';

/** The upload route reads its body itself: the kit must neither parse it nor ask for JSON. */
export const UPLOAD_PATH = '/api/v1/storage/audio/upload';

const envelope = (description: string) => ({ description, schema: ErrorEnvelopeSchema });

/** Upload, download (with Range), metadata and listing of recordings. */
export function registerAudioRoutes(service: Service, storage: StorageService, maxUploadBytes: number): void {
  service.route({
    method: 'post',
    path: UPLOAD_PATH,
    summary: 'Upload a recording: the request body is the audio, streamed to the store',
    description:
      `The body is the raw audio (not multipart), with its Content-Type: one of ${AUDIO_CONTENT_TYPES.join(', ')}. ` +
      'It is streamed to the store and hashed on the way, never held whole in memory. Bodies larger than ' +
      'STORAGE_MAX_UPLOAD_BYTES are cut off with 413 as soon as they pass it, with or without Content-Length. An upload ' +
      'that fails or is cut off leaves nothing behind. A user uploads their own recordings; a service (realtime-processor) ' +
      'or an admin names the user with userId.',
    tags: ['audio'],
    auth: 'user',
    request: { query: UploadQuery },
    responses: {
      201: { description: 'Stored', schema: RecordingSchema },
      403: envelope('A user uploading for someone else'),
      413: envelope('Larger than STORAGE_MAX_UPLOAD_BYTES (PAYLOAD_TOO_LARGE)'),
      415: envelope('Not an accepted audio type (UNSUPPORTED_MEDIA_TYPE)'),
    },
    handler: async ({ query, principal }, req) => {
      const contentType = acceptedContentType(req.headers['content-type']);
      const declared = req.headers['content-length'];
      if (declared !== undefined && Number(declared) > maxUploadBytes) {
        throw new AppError(413, COMMON_ERROR_CODES.payloadTooLarge, `The upload is larger than ${maxUploadBytes} bytes (STORAGE_MAX_UPLOAD_BYTES)`, { limit: maxUploadBytes }, { Connection: 'close' });
      }
      if (declared === '0' || (declared === undefined && req.headers['transfer-encoding'] === undefined)) {
        throw new AppError(400, STORAGE_ERROR_CODES.emptyUpload, 'The upload has no bytes');
      }
      const by = principal!;
      const recording = await storage.upload({
        body: req,
        contentType,
        userId: ownerOfUpload(by, query.userId),
        callId: query.callId,
        durationMs: query.durationMs,
        uploadedBy: by.kind === 'user' ? `user:${by.userId}` : `service:${by.service}`,
      });
      const view = toView(recording);
      return { status: 201, body: view, headers: { Location: view.url, ETag: `"${recording.sha256}"` } };
    },
  });

  service.route({
    method: 'get',
    path: '/api/v1/storage/audio',
    summary: 'List recordings, newest first, a page at a time',
    description: 'A user sees only their own recordings; an admin or a service sees everyone’s, or one user’s with userId.',
    tags: ['audio'],
    auth: 'user',
    request: { query: ListQuery },
    responses: { 200: { description: 'A page of recordings', schema: RecordingPageSchema }, 403: envelope('A user asking for someone else’s') },
    handler: async ({ query, principal }) => {
      let userId = query.userId;
      if (userId !== undefined) assertCanAccess(principal, userId);
      else if (!isPrivileged(principal!)) userId = (principal as Extract<Principal, { kind: 'user' }>).userId;
      const page = await storage.list({ userId, callId: query.callId, archived: query.archived }, query.limit, query.cursor);
      return { status: 200, body: { items: page.items.map(toView), nextCursor: page.nextCursor } };
    },
  });

  service.route({
    method: 'get',
    path: '/api/v1/storage/audio/{id}/metadata',
    summary: 'A recording’s metadata: call, user, duration, size, checksum',
    tags: ['audio'],
    auth: 'user',
    request: { params: RecordingIdParams },
    responses: { 200: { description: 'The recording', schema: RecordingSchema }, 403: envelope('Another user’s recording'), 404: envelope('No such recording') },
    handler: async ({ params, principal }) => {
      const recording = await storage.find(params.id);
      assertCanAccess(principal, recording.userId);
      return { status: 200, body: toView(recording), headers: { ETag: `"${recording.sha256}"` } };
    },
  });

  service.route({
    method: 'get',
    path: '/api/v1/storage/audio/{id}',
    summary: 'Download a recording; a single Range (bytes=a-b, a-, -n) answers 206 with that part',
    description:
      'Streams the audio with Accept-Ranges, Content-Length and ETag (the SHA-256). One byte range gives 206 with ' +
      'Content-Range; an unsatisfiable one 416; several ranges at once are not supported and get the whole file (200). ' +
      'If-None-Match gives 304; If-Range with a different ETag gives the whole file.',
    tags: ['audio'],
    auth: 'user',
    request: { params: RecordingIdParams },
    responses: {
      200: { description: 'The whole recording', mediaType: 'audio/*' },
      206: { description: 'The requested range', mediaType: 'audio/*' },
      304: { description: 'Not modified (If-None-Match)' },
      403: envelope('Another user’s recording'),
      404: envelope('No such recording, or its bytes are missing'),
      416: envelope('The range is outside the recording (RANGE_NOT_SATISFIABLE)'),
    },
    handler: async ({ params, principal }, req, res) => {
      const recording = await storage.find(params.id);
      assertCanAccess(principal, recording.userId);
      await sendRecording(storage, recording, req, res);
    },
  });
}

/** The Content-Type of an upload, when it is an accepted audio type; 415 otherwise. */
function acceptedContentType(header: string | undefined): string {
  const value = header?.trim() ?? '';
  if (!isAudioContentType(value)) {
    throw new AppError(415, COMMON_ERROR_CODES.unsupportedMediaType, `Expected an audio body (${AUDIO_CONTENT_TYPES.join(', ')}), got ${value || 'no Content-Type'}`, {
      accepted: AUDIO_CONTENT_TYPES,
    });
  }
  return value;
}

/** Whose recording an upload is: a user's own (or anyone's for an admin); a service must name the user. */
function ownerOfUpload(principal: Principal, requested: string | undefined): string {
  if (principal.kind === 'user') {
    const userId = requested ?? principal.userId;
    assertCanAccess(principal, userId);
    return userId;
  }
  if (requested === undefined) throw new AppError(400, STORAGE_ERROR_CODES.userIdRequired, 'A service uploads on behalf of a user: give userId in the query');
  return requested;
}

async function sendRecording(storage: StorageService, recording: Recording, req: Request, res: Response): Promise<void> {
  const etag = `"${recording.sha256}"`;
  res.set({
    'Accept-Ranges': 'bytes',
    ETag: etag,
    'Last-Modified': new Date(recording.createdAt).toUTCString(),
    'Cache-Control': 'private, no-cache',
  });
  if (matchesEtag(req.headers['if-none-match'], etag)) {
    res.status(304).end();
    return;
  }
  const range = requestedRange(req, recording.size, etag);
  // Opened before any header is set: a missing blob still gets a clean 404 envelope.
  const body: Readable | undefined = req.method === 'HEAD' ? undefined : await storage.open(recording, range);
  const length = range ? range.end - range.start + 1 : recording.size;
  res.status(range ? 206 : 200).set({ 'Content-Type': recording.contentType, 'Content-Length': String(length) });
  if (range) res.set('Content-Range', `bytes ${range.start}-${range.end}/${recording.size}`);
  if (!body) {
    res.end();
    return;
  }
  // The kit's middlewares watch 'close' four times over and pipeline adds seven: past Node's leak warning at ten.
  res.setMaxListeners(20);
  try {
    await pipeline(body, res);
  } catch (error) {
    // A listener who stops halfway (seeking, closing the player) is routine, not an error.
    if (req.destroyed || res.destroyed) return;
    throw error;
  }
}

/**
 * The one byte range to send, or undefined for the whole file: no Range, a malformed one (ignored, as HTTP says),
 * several ranges (not supported: the whole file), or an If-Range that no longer matches. 416 when unsatisfiable.
 */
function requestedRange(req: Request, size: number, etag: string): ByteRange | undefined {
  if (req.headers.range === undefined) return undefined;
  const ifRange = req.headers['if-range'];
  if (ifRange !== undefined && ifRange !== etag) return undefined;
  const ranges = req.range(size);
  if (ranges === -1) {
    throw new AppError(416, STORAGE_ERROR_CODES.rangeNotSatisfiable, `The range ${req.headers.range} is outside the recording (${size} bytes)`, { size }, { 'Content-Range': `bytes */${size}` });
  }
  if (ranges === -2 || ranges === undefined || ranges.type !== 'bytes' || ranges.length !== 1) return undefined;
  const [only] = ranges;
  return { start: only!.start, end: only!.end };
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const candidate = tag.trim();
    return candidate === '*' || candidate === etag || candidate === `W/${etag}`;
  });
}
