// Bearer tokens for agents, supervisors and admins: signed JWTs naming the user, tenant and role.
import jwt from 'jsonwebtoken';
import type { Role } from '../types/api.js';
import { AppError } from '../errors.js';

export interface Principal { userId: string; tenantId: string; role: Role; name: string }

export class TokenService {
  constructor(private readonly key: Buffer, private readonly ttlSeconds: number) {}

  issue(p: Principal): string {
    return jwt.sign({ tid: p.tenantId, role: p.role, name: p.name }, this.key, { subject: p.userId, expiresIn: this.ttlSeconds, algorithm: 'HS256' });
  }

  /** The principal of a token, or an 'unauthenticated' AppError saying what to do. */
  verify(token: string | undefined): Principal {
    if (!token) throw new AppError('unauthenticated', 'Sign in first: send "Authorization: Bearer <token>" from POST /api/v1/auth/login.');
    try {
      const c = jwt.verify(token, this.key, { algorithms: ['HS256'] }) as jwt.JwtPayload;
      if (typeof c.sub !== 'string' || typeof c.tid !== 'string' || !['agent', 'supervisor', 'admin'].includes(c.role)) throw new Error('claims');
      return { userId: c.sub, tenantId: c.tid, role: c.role as Role, name: String(c.name ?? '') };
    } catch (err) {
      const expired = err instanceof jwt.TokenExpiredError;
      throw new AppError('unauthenticated', expired ? 'Your session has expired; sign in again.' : 'The bearer token is not valid; sign in again.');
    }
  }
}

const RANK: Record<Role, number> = { agent: 1, supervisor: 2, admin: 3 };
/** Admins can do what supervisors can, supervisors what agents can. */
export function hasRole(p: Principal, needed: Role): boolean { return RANK[p.role] >= RANK[needed]; }
export function requireRole(p: Principal, needed: Role): void {
  if (!hasRole(p, needed)) throw new AppError('forbidden', `This needs the ${needed} role; you are signed in as ${p.role}.`);
}
