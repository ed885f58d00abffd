import { EntitySchema } from 'typeorm';
import type { Role } from '../../types/api.js';
import { idColumn, jsonColumn, tenantColumn, textColumn, timeColumn } from '../columns.js';

/** An agent, supervisor or admin of one tenant. */
export interface User {
  id: string; tenantId: string; name: string; email: string; passwordHash: string; role: Role;
  skills: string[]; capacity: number; createdAt: Date; disabledAt: Date | null;
  /** Skill name → level 1..10 (skills without an entry are level 1). */
  skillLevels?: Record<string, number> | null;
  /** Capacity per channel kind (e.g. {chat: 3, voice: 1}); kinds not named use `capacity`. */
  capacities?: Record<string, number> | null;
}

export const UserEntity = new EntitySchema<User>({
  name: 'User', tableName: 'users',
  columns: {
    id: idColumn,
    tenantId: tenantColumn,
    name: textColumn(200),
    email: textColumn(254),
    passwordHash: { ...textColumn(255), name: 'password_hash' },
    role: textColumn(16),
    skills: { ...jsonColumn(false) },
    capacity: { type: 'int' },
    skillLevels: { ...jsonColumn(true), name: 'skill_levels' },
    capacities: jsonColumn(true),
    createdAt: { ...timeColumn(), name: 'created_at' },
    disabledAt: { ...timeColumn(true), name: 'disabled_at' },
  },
});
