// Bearer-token authentication and role checks for /api/v1.
import type { Request, RequestHandler } from 'express';
import type { Context } from '../../shared/context.js';
import { requireRole, type Principal } from '../../shared/auth/tokens.js';
import type { Role } from '../../shared/types/api.js';

const PRINCIPAL = Symbol('principal');

export function authenticate(ctx: Context): RequestHandler {
  return (req, _res, next) => {
    try {
      const h = req.headers.authorization;
      const token = h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
      (req as unknown as Record<symbol, Principal>)[PRINCIPAL] = ctx.tokens.verify(token);
      next();
    } catch (err) { next(err); }
  };
}

export function principal(req: Request): Principal {
  return (req as unknown as Record<symbol, Principal>)[PRINCIPAL];
}

export function role(needed: Role): RequestHandler {
  return (req, _res, next) => {
    try { requireRole(principal(req), needed); next(); } catch (err) { next(err); }
  };
}
