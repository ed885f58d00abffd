// Sign-in: tenant slug, email and password give a bearer token.
import type { Context } from '../../shared/context.js';
import { TenantEntity, UserEntity } from '../../shared/db/entities/index.js';
import { AppError } from '../../shared/errors.js';
import { verifyPassword } from '../../shared/auth/passwords.js';
import type { AgentView } from '../../shared/types/api.js';
import { assertLoginAllowed, clearLoginFailures, recordLoginFailure } from './login-throttle.js';

const BAD = () => new AppError('unauthenticated', 'The tenant, email or password is wrong.');

export async function login(ctx: Context, tenantSlug: string, email: string, password: string, ip = ''): Promise<{ token: string; agent: AgentView }> {
  await assertLoginAllowed(ctx, tenantSlug, email, ip);
  const tenant = await ctx.db.manager.findOneBy(TenantEntity, { slug: tenantSlug.toLowerCase() });
  const user = tenant ? await ctx.db.manager.findOneBy(UserEntity, { tenantId: tenant.id, email: email.toLowerCase() }) : null;
  // Hash even when the user is unknown, so that timing does not tell which emails exist.
  const ok = await verifyPassword(password, user?.passwordHash ?? 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
  if (!tenant || !user || !ok || user.disabledAt) {
    await recordLoginFailure(ctx, tenantSlug, email, ip);
    throw BAD();
  }
  await clearLoginFailures(ctx, tenantSlug, email);
  const token = ctx.tokens.issue({ userId: user.id, tenantId: tenant.id, role: user.role, name: user.name });
  return { token, agent: { id: user.id, name: user.name, email: user.email, role: user.role } };
}
