import { USER_ERROR_CODES, type HostedNumber, type Role, type User, type UserPermissions, type UserPreferences } from '@ai-ninja/contracts';
import { AppError, type Logger } from '@ai-ninja/service-kit';
import type { UserRecord, UserStore } from '../store/users.store.js';
import { normaliseRoles, permissionsOf } from './permissions.js';

/** Profiles, hosted numbers, preferences and roles. Who may call what is settled by the routes' auth rules. */
export class UsersService {
  constructor(
    private readonly store: UserStore,
    private readonly clock: () => number,
    private readonly logger: Logger,
  ) {}

  /** The API's view of a stored user. */
  async view(record: UserRecord): Promise<User> {
    return {
      id: record.id,
      email: record.email,
      displayName: record.displayName,
      roles: [...record.roles],
      phoneNumbers: await this.store.phoneNumbers(record.id),
      preferences: record.preferences,
      mfaEnabled: record.mfaSecret !== null,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    };
  }

  async get(id: string): Promise<User> {
    return this.view(await this.#record(id));
  }

  async update(id: string, changes: { displayName?: string | undefined }): Promise<User> {
    await this.#change(id, { ...(changes.displayName !== undefined ? { displayName: changes.displayName } : {}) });
    return this.get(id);
  }

  async setPreferences(id: string, preferences: UserPreferences): Promise<UserPreferences> {
    await this.#change(id, { preferences });
    return (await this.#record(id)).preferences;
  }

  async addPhone(id: string, phone: string): Promise<{ created: boolean; user: User }> {
    await this.#record(id);
    const result = await this.store.addPhone(id, phone, this.#now());
    if (result === 'taken') throw new AppError(409, USER_ERROR_CODES.phoneNumberTaken, `${phone} is already hosted by another account`);
    if (result === 'added') this.logger.info({ userId: id, phone }, 'hosted number added');
    return { created: result === 'added', user: await this.get(id) };
  }

  async removePhone(id: string, phone: string): Promise<void> {
    await this.#record(id);
    if (!(await this.store.removePhone(id, phone))) throw new AppError(404, USER_ERROR_CODES.phoneNumberNotFound, `This account does not host ${phone}`);
    this.logger.info({ userId: id, phone }, 'hosted number removed');
  }

  async permissions(id: string): Promise<UserPermissions> {
    const record = await this.#record(id);
    return { userId: id, roles: [...record.roles], permissions: permissionsOf(record.roles) };
  }

  /** Replaces a user's roles (`user` is always kept). They reach the user's access tokens at the next refresh or login. */
  async setRoles(id: string, roles: readonly Role[], by: string): Promise<UserPermissions> {
    const before = (await this.#record(id)).roles;
    const after = normaliseRoles(roles);
    await this.#change(id, { roles: after });
    this.logger.warn({ userId: id, before, after, by }, 'roles changed');
    return { userId: id, roles: after, permissions: permissionsOf(after) };
  }

  /** The owner of a dialled number, for phone-gateway; 404 NUMBER_NOT_HOSTED when nobody hosts it. */
  async lookupByPhone(phone: string): Promise<HostedNumber> {
    const record = await this.store.findByPhone(phone);
    if (!record) throw new AppError(404, USER_ERROR_CODES.numberNotHosted, `No account hosts ${phone}`);
    return { userId: record.id, displayName: record.displayName, preferences: record.preferences };
  }

  async #record(id: string): Promise<UserRecord> {
    const record = await this.store.findById(id);
    if (!record) throw new AppError(404, USER_ERROR_CODES.userNotFound, `No user ${id}`);
    return record;
  }

  async #change(id: string, changes: Parameters<UserStore['update']>[2]): Promise<void> {
    if (!(await this.store.update(id, this.#now(), changes))) throw new AppError(404, USER_ERROR_CODES.userNotFound, `No user ${id}`);
  }

  #now(): string {
    return new Date(this.clock()).toISOString();
  }
}
