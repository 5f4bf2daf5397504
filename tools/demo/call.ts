/**
 * `npm run demo:call`: one spam call answered by the AI over the WebSocket until it hangs up, its analysis and the
 * caller's updated profile, then a whitelisted call that is put through — against the running system (`npm start`),
 * through the gateway. Every step is printed with its timing.
 *
 * DEMO_BASE_URL (default http://localhost:8080) is the gateway; DEMO_WEBHOOK_TOKEN is sent as X-Webhook-Token when
 * phone-gateway requires one (PHONE_WEBHOOK_TOKEN).
 */
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';

const BASE = (process.env.DEMO_BASE_URL ?? 'http://localhost:8080').replace(/\/$/, '');
const tty = process.stdout.isTTY === true;
const paint = (code: number) => (text: string) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
const [dim, bold, green, cyan, yellow, red] = [paint(2), paint(1), paint(32), paint(36), paint(33), paint(31)];

const started = performance.now();
const ms = (from: number) => `${(performance.now() - from).toFixed(1)} ms`;

async function step<T>(title: string, run: () => Promise<T>, describe: (result: T) => string = () => ''): Promise<T> {
  const at = performance.now();
  try {
    const result = await run();
    console.log(`${green('✔')} ${bold(title)} ${dim(ms(at))}${describe(result) ? `\n    ${describe(result).replaceAll('\n', '\n    ')}` : ''}`);
    return result;
  } catch (error) {
    console.log(`${red('✘')} ${bold(title)} ${dim(ms(at))}\n    ${red((error as Error).message)}`);
    throw error;
  }
}

async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(BASE + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

const phone = () => `+1415${String(randomInt(2_000_000, 9_999_999))}`;

interface TokenResponse {
  accessToken: string;
  user: { id: string };
}
interface IncomingCall {
  callId: string;
  decision: string;
  reasons: string[];
  decisionMs: number;
  realtime?: { url: string; token: string };
}
interface CallerProfile {
  category: string;
  riskScore: number;
  callCount: number;
  lastSummary: string | null;
  reaction: { analyzedCalls: number; persistence: number };
}

const SPAM_SCRIPT = [
  'Hello! This is Kevin from Golden Harbor Capital, how are you today?',
  'I am calling about an exclusive investment opportunity with guaranteed returns of 20 percent.',
  'Just give me two minutes, you will not regret it.',
  'Why not? Everyone is making money with this fund.',
  'Please, just hear me out, this is a limited time offer.',
  'Come on, one more minute, I promise it is worth it.',
  'Are you still there? Listen, this is the last chance.',
  'Hello? Hello?',
];

async function main(): Promise<void> {
  console.log(bold(`AI-Ninja call demo against ${BASE}\n`));
  await step('the gateway answers', () => api<{ status: string }>('GET', '/gateway/health'), (h) => `status ${h.status}`);

  const email = `demo-${Date.now()}@example.com`;
  const password = 'correct-horse-battery-staple';
  await step('register a user', () => api('POST', '/api/auth/register', { email, password, displayName: 'Demo User' }), () => email);
  const session = await step('log in', () => api<TokenResponse>('POST', '/api/auth/login', { email, password }), (s) => `user ${s.user.id}, access token ${s.accessToken.slice(0, 16)}…`);
  const auth = { authorization: `Bearer ${session.accessToken}` };
  const userId = session.user.id;

  const hosted = phone();
  const contact = phone();
  const spammer = phone();
  await step('host a number with us', () => api('POST', `/api/users/${userId}/phones`, { phone: hosted }, auth), () => hosted);
  await step(
    'choose a humorous AI and AI answers for unknown callers',
    () => api('PUT', `/api/users/${userId}/preferences`, { aiPersonality: 'humorous', unknownCallerAction: 'ai_answer', quietHours: null, userName: 'Alex' }, auth),
  );
  await step('whitelist a contact', () => api('POST', `/api/whitelist/${userId}`, { phone: contact, name: 'Mom' }, auth), () => contact);

  const webhook: Record<string, string> = process.env.DEMO_WEBHOOK_TOKEN ? { 'x-webhook-token': process.env.DEMO_WEBHOOK_TOKEN } : {};
  const spamCallId = `demo-spam-${Date.now()}`;
  const spamCall = await step(
    `a call from an unknown number ${spammer}`,
    () => api<IncomingCall>('POST', '/webhook/incoming-call', { callId: spamCallId, from: spammer, to: hosted, provider: 'demo' }, webhook),
    (c) => `${yellow(c.decision)} in ${c.decisionMs.toFixed(1)} ms — ${c.reasons.join('; ')}`,
  );
  if (spamCall.decision !== 'ai_answer' || !spamCall.realtime) throw new Error(`expected ai_answer, got ${spamCall.decision}`);

  await step('the AI answers over the WebSocket until the caller is sent away', () => converse(spamCall.realtime!), (turns) => turns);

  const profile = await step(
    'the call is analysed and the caller’s profile updated',
    async () => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const found = await api<CallerProfile>('GET', `/api/analytics/profile/${encodeURIComponent(spammer)}`, undefined, auth).catch(() => undefined);
        if (found && found.reaction.analyzedCalls >= 1) return found;
        if (Date.now() > deadline) throw new Error('no analysis after 30 s: is profile-analytics consuming call.completed?');
        await sleep(250);
      }
    },
    (p) => `category ${cyan(p.category)}, risk ${p.riskScore.toFixed(2)}, calls ${p.callCount}, persistence ${p.reaction.persistence.toFixed(2)}\n${dim(`summary: ${p.lastSummary ?? '—'}`)}`,
  );
  void profile;
  await step(
    'the user’s trends count it',
    () => api<{ totals: Record<string, number> }>('GET', `/api/analytics/trends/${userId}?days=1`, undefined, auth),
    (t) => `today: ${Object.entries(t.totals).map(([k, v]) => `${k} ${v}`).join(', ')}`,
  );

  const contactCall = await step(
    `a call from the whitelisted contact ${contact}`,
    () => api<IncomingCall>('POST', '/webhook/incoming-call', { callId: `demo-contact-${Date.now()}`, from: contact, to: hosted, provider: 'demo' }, webhook),
    (c) => `${green(c.decision)} in ${c.decisionMs.toFixed(1)} ms — ${c.reasons.join('; ')}`,
  );
  if (contactCall.decision !== 'transfer') throw new Error(`expected transfer, got ${contactCall.decision}`);
  console.log(bold(`\nDone in ${ms(started)}.`));
}

/** Plays the spam caller: one transcript at a time, each answered before the next, until the AI hangs up. */
async function converse(realtime: { url: string; token: string }): Promise<string> {
  const url = new URL(realtime.url.replace(/^ws:\/\/localhost:8080/, BASE.replace(/^http/, 'ws')));
  url.searchParams.set('token', realtime.token);
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`WebSocket refused: HTTP ${res.statusCode}`)));
  });
  const lines: string[] = [];
  const messages: Array<{ type: string; text?: string; processingLatency?: number; stage?: string; reason?: string; message?: string }> = [];
  let wake: (() => void) | undefined;
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as (typeof messages)[number]);
    wake?.();
  });
  const next = async (): Promise<(typeof messages)[number]> => {
    const deadline = Date.now() + 10_000;
    while (messages.length === 0) {
      if (Date.now() > deadline) throw new Error('no answer from realtime-processor within 10 s');
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 200);
      });
    }
    return messages.shift()!;
  };
  try {
    for (const [i, text] of SPAM_SCRIPT.entries()) {
      const sent = performance.now();
      socket.send(JSON.stringify({ type: 'transcript', text, final: true, seq: i + 1 }));
      lines.push(`${dim('caller:')} ${text}`);
      for (;;) {
        const message = await next();
        if (message.type === 'ai_response') {
          lines.push(`${cyan('AI:')}     ${message.text} ${dim(`[${message.stage}, ${message.processingLatency} ms server, ${ms(sent)} round trip]`)}`);
          break;
        }
        if (message.type === 'call_end') {
          lines.push(yellow(`call ended: ${message.reason}`));
          return lines.join('\n');
        }
        if (message.type === 'error') throw new Error(`realtime error: ${message.message}`);
      }
      const end = messages.find((m) => m.type === 'call_end') ?? (await Promise.race([next(), sleep(300).then(() => undefined)]));
      if (end?.type === 'call_end') {
        lines.push(yellow(`call ended: ${end.reason}`));
        return lines.join('\n');
      }
      if (end) messages.unshift(end);
    }
    socket.send(JSON.stringify({ type: 'hangup' }));
    lines.push(yellow('the caller hung up'));
    return lines.join('\n');
  } finally {
    socket.close();
  }
}

main().catch(() => {
  console.log(red('\nThe demo stopped: is the system running (npm start)?'));
  process.exitCode = 1;
});
