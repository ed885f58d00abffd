// Structured logs (pino). Carry tenant, conversation and message ids; never secrets or message bodies at info.
import { pino, type Logger } from 'pino';
export type { Logger };

export function createLogger(level: string, name = 'callcenter'): Logger {
  return pino({
    name,
    level,
    redact: { paths: ['*.password', '*.token', '*.secret', '*.config', 'req.headers.authorization'], censor: '[redacted]' },
  });
}
