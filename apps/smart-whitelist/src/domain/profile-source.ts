import { GetCallerProfileEndpoint, type CallerProfile } from '@ai-ninja/contracts';
import type { Cache } from '@ai-ninja/data';
import { UpstreamHttpError, type ServiceClient } from '@ai-ninja/service-client';
import type { Logger } from '@ai-ninja/service-kit';
import type { ProfileLookup } from './evaluation.js';

/** What the profile cache holds: the profile, or that profile-analytics has none (a 404 is worth remembering too). */
export type CachedProfile = { readonly found: true; readonly profile: CallerProfile } | { readonly found: false };

/**
 * Callers' profiles from profile-analytics, through the service client (its breaker fails fast while
 * profile-analytics is down) with a short deadline, cached by phone number. A failure is not cached and never
 * fails the evaluation: it becomes a `profile-unavailable` reason.
 */
export class ProfileSource {
  constructor(
    private readonly client: ServiceClient,
    private readonly cache: Cache<CachedProfile> | undefined,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  async lookup(phone: string): Promise<ProfileLookup> {
    const cached = await this.cache?.get(phone, 'profile');
    if (cached) return cached.found ? { status: 'found', profile: cached.profile } : { status: 'not_found' };
    let fresh: CachedProfile;
    try {
      fresh = { found: true, profile: await this.client.call(GetCallerProfileEndpoint, { params: { phone } }, { timeout: this.timeoutMs, retries: 0 }) };
    } catch (error) {
      if (error instanceof UpstreamHttpError && error.upstreamStatus === 404) {
        fresh = { found: false };
      } else {
        const code = (error as { code?: string }).code ?? 'ERROR';
        this.logger.debug({ err: error, phone }, 'profile look-up failed; evaluating without it');
        return { status: 'unavailable', reason: `profile-analytics: ${code}` };
      }
    }
    await this.cache?.set(phone, 'profile', fresh);
    return fresh.found ? { status: 'found', profile: fresh.profile } : { status: 'not_found' };
  }

  /** Forgets what is cached about `phone` (after this replica reported on it). */
  async forget(phone: string): Promise<void> {
    await this.cache?.invalidate(phone);
  }
}
