import { sql } from '@mikro-orm/core';
import { BaseRepository } from '../../common/base.repository.js';
import type { User } from './user.entity.js';

export class UserRepository extends BaseRepository<User> {
  /** Finds an active, not deleted user by email, case-insensitively (served by the lower(email) unique index). */
  findByEmail(email: string): Promise<User | null> {
    return this.findOne({ [sql.lower('email')]: email.toLowerCase() });
  }

  /** Same as `findByEmail`, also loading the (lazy, hidden) password hash for verification. */
  findByEmailWithPassword(email: string): Promise<User | null> {
    return this.findOne({ [sql.lower('email')]: email.toLowerCase() }, { populate: ['passwordHash'] });
  }
}
