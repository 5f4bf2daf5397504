import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { AppError } from '@ai-ninja/service-kit';

/** Normalises numbers as people type them to E.164, with libphonenumber's full metadata (real validity, not length). */
export class PhoneNormalizer {
  constructor(private readonly defaultRegion: CountryCode) {}

  /** The E.164 form of `input`, or a reason it is not a valid number. */
  tryNormalize(input: string): { phone: string } | { reason: string } {
    const parsed = parsePhoneNumberFromString(input, this.defaultRegion);
    if (!parsed) return { reason: 'not a phone number' };
    if (!parsed.isValid()) return { reason: `not a valid number${input.trim().startsWith('+') ? '' : ` in region ${this.defaultRegion} (write it as +<country code><number>)`}` };
    return { phone: parsed.number };
  }

  /** The E.164 form of `input`; 400 INVALID_PHONE_NUMBER otherwise. */
  normalize(input: string, field = 'phone'): string {
    const result = this.tryNormalize(input);
    if ('phone' in result) return result.phone;
    throw new AppError(400, 'INVALID_PHONE_NUMBER', `${field} "${input.slice(0, 40)}" is ${result.reason}`);
  }
}
