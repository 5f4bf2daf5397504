import { z } from './zod.js';

/** A phone number in E.164: `+`, country code, subscriber number, 15 digits at most. */
export const PhoneNumberSchema = z
  .string()
  .regex(/^\+[1-9]\d{1,14}$/, 'must be an E.164 phone number, such as +14155550100')
  .openapi({ example: '+14155550100' });
