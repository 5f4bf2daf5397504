import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { defineEndpoint, z } from '@ai-ninja/contracts';
import { RequestValidationError, ServiceClient, UpstreamHttpError, UpstreamUnavailableError } from '../src/index.js';

const Upload = defineEndpoint({
  service: 'storage',
  method: 'post',
  path: '/api/v1/storage/audio/upload',
  summary: 'Upload a recording',
  query: z.object({ callId: z.string() }),
  response: z.object({ id: z.string(), bytes: z.number() }),
  successStatuses: [201],
});

interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly url: string;
  readonly bytes: Buffer;
}

const servers: Server[] = [];
after(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A real HTTP server that reads each request body whole, records it, and answers with `answer`. */
async function serve(answer: (received: Received, hit: number, res: ServerResponse) => void): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const entry = { headers: req.headers, url: req.url ?? '', bytes: Buffer.concat(chunks) };
    received.push(entry);
    answer(entry, received.length, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, received };
}

const created = (entry: Received, res: ServerResponse) => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'rec-1', bytes: entry.bytes.length }));

function clientFor(url: string) {
  const client = new ServiceClient({ env: { STORAGE_SERVICE_URL: url }, backoff: { baseMs: 1, maxMs: 5 }, retryBudget: false });
  after(() => client.close());
  return client;
}

/** A stream of `bytes` in small pieces, so the body really travels as a stream. */
function streamOf(bytes: Buffer): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 1000) pieces.push(bytes.subarray(i, i + 1000));
  return Readable.from(pieces);
}

describe('ServiceClient raw (non-JSON) bodies', () => {
  const audio = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 7) % 256));

  it('sends a Buffer as the body with its content type and length, and reads the 201 answer', async () => {
    const server = await serve((entry, _hit, res) => created(entry, res));
    const answer = await clientFor(server.url).call(Upload, { query: { callId: 'c1' } }, { rawBody: { contentType: 'audio/wav', data: audio } });
    assert.deepEqual(answer, { id: 'rec-1', bytes: audio.length });
    const [request] = server.received;
    assert.ok(request);
    assert.equal(request.url, '/api/v1/storage/audio/upload?callId=c1');
    assert.equal(request.headers['content-type'], 'audio/wav');
    assert.equal(request.headers['content-length'], String(audio.length));
    assert.ok(request.bytes.equals(audio));
  });

  it('streams a body from a fresh stream on each attempt, so a retried upload arrives whole, under one idempotency key', async () => {
    const server = await serve((entry, hit, res) => (hit === 1 ? res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"BUSY","message":"busy"}}') : created(entry, res)));
    let opened = 0;
    const answer = await clientFor(server.url).call(
      Upload,
      { query: { callId: 'c2' } },
      {
        rawBody: {
          contentType: 'audio/l16;rate=8000',
          data: () => {
            opened += 1;
            return streamOf(audio);
          },
        },
        idempotencyKey: 'recording:c2',
      },
    );
    assert.equal(answer.bytes, audio.length);
    assert.equal(opened, 2);
    assert.equal(server.received.length, 2);
    for (const request of server.received) {
      assert.ok(request.bytes.equals(audio), 'each attempt carries the whole body');
      assert.equal(request.headers['idempotency-key'], 'recording:c2');
      assert.equal(request.headers['content-type'], 'audio/l16;rate=8000');
      assert.equal(request.headers['transfer-encoding'], 'chunked', 'a stream without a length goes chunked');
    }
  });

  it('destroys the stream of an attempt that failed, so its file is not held open', async () => {
    const server = await serve((_entry, _hit, res) => res.writeHead(415, { 'content-type': 'application/json' }).end('{"error":{"code":"UNSUPPORTED_MEDIA_TYPE","message":"no"}}'));
    const streams: Readable[] = [];
    const open = () => {
      const stream = streamOf(audio);
      streams.push(stream);
      return stream;
    };
    await assert.rejects(clientFor(server.url).call(Upload, { query: { callId: 'c3' } }, { rawBody: { contentType: 'audio/wav', data: open } }), UpstreamHttpError);
    assert.equal(streams.length, 1, 'a 415 is not retried');
    assert.ok(streams[0]!.destroyed);

    const refused = new ServiceClient({ env: { STORAGE_SERVICE_URL: 'http://127.0.0.1:1' }, retries: 0, breaker: false });
    after(() => refused.close());
    await assert.rejects(refused.call(Upload, { query: { callId: 'c3' } }, { rawBody: { contentType: 'audio/wav', data: open } }), UpstreamUnavailableError);
    assert.equal(streams.length, 2);
    assert.ok(streams[1]!.destroyed);
  });

  it('refuses a raw body for an endpoint that has a JSON body schema, without touching the network', async () => {
    const server = await serve((entry, _hit, res) => created(entry, res));
    const Json = defineEndpoint({ service: 'storage', method: 'post', path: '/x', summary: 'x', body: z.object({ a: z.string() }), response: z.object({}) });
    await assert.rejects(clientFor(server.url).call(Json, { body: { a: 'b' } }, { rawBody: { contentType: 'audio/wav', data: audio } }), RequestValidationError);
    assert.equal(server.received.length, 0);
  });
});
