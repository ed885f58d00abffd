// The one shape every platform adapter has (STYLE.md 2). An adapter knows its platform's wire
// format and nothing about conversations; the gateway's generic code does the rest.
import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { Context } from '../shared/context.js';
import type { Channel } from '../shared/db/entities/index.js';
import type { Readable } from 'node:stream';
import type { InboundEvent, MediaRef, OutboundMessage, Platform } from '../shared/types/message.js';
import type { TemplateView } from '../shared/types/api.js';

/** A channel with its configuration decrypted, as adapters see it. */
export interface ChannelRuntime {
  channel: Channel;
  config: Record<string, unknown>;    // settings and secrets together
  webhookUrl: string;                 // PUBLIC_URL + /webhooks/:id (Twilio signs it)
}

/**
 * A channel's settings, parsed once per loaded channel (runtimes are cached for a while, and a
 * changed channel is a new runtime object) rather than on every webhook and send.
 */
export function parsedOncePerChannel<T>(parse: (ch: ChannelRuntime) => T): (ch: ChannelRuntime) => T {
  const seen = new WeakMap<ChannelRuntime, T>();
  return (ch) => {
    let s = seen.get(ch);
    if (s === undefined) { s = Object.freeze(parse(ch)); seen.set(ch, s); }
    return s;
  };
}

export interface WebhookRequest {
  method: 'GET' | 'POST';
  headers: IncomingHttpHeaders;
  query: Record<string, string | undefined>;
  rawBody: Buffer;
}

export interface WebhookReply { status: number; body?: string | object; contentType?: string }

export interface SendResult { externalMessageId: string }

/** Bytes of a platform's attachment, fetched with the channel's credentials. */
export interface FetchedMedia { body: Readable | Buffer; mimeType?: string; size?: number; fileName?: string }

/** What the gateway's inbound HTTP path calls, in this order: handshake (GET), verify, parse, reply. */
export interface WebhookHandler {
  /** The platform's GET verification handshake (Meta hub.challenge, WeChat echostr). */
  handshake?(req: WebhookRequest, ch: ChannelRuntime): WebhookReply;
  /** Throws AppError('bad_signature') unless the request is signed with the channel's secret. */
  verify(req: WebhookRequest, ch: ChannelRuntime): void;
  /**
   * The body as internal events, in the order the platform sent them. Throws AppError on bad input.
   *
   * Build each event as one object literal with any spread last (`{ kind, ...base }`), never
   * first (`{ ...base, kind }`): Node 20's V8 gives an object that starts as a spread and then gets
   * properties the spread did not bring a new hidden class on every call once the code is warm.
   * Every function that reads the events then goes megamorphic, and the new classes fill the old
   * generation: before the adapters were mended, a Telegram text message made six or seven of
   * them, a WhatsApp one three. test/gateway/adapters/hidden-classes.test.ts checks every adapter.
   */
  parse(req: WebhookRequest, ch: ChannelRuntime): InboundEvent[];
  /** The answer once the events are stored (default 200 "ok"). */
  reply?(events: InboundEvent[], ch: ChannelRuntime, req: WebhookRequest): WebhookReply;
}

export interface Adapter {
  readonly platform: Platform;
  /** Validates a channel's `config` on create and update. */
  readonly configSchema: z.ZodType<Record<string, unknown>>;
  /** Config keys that are secrets: encrypted at rest, never returned. */
  readonly secretKeys: readonly string[];
  /** Absent for channels that do not receive webhooks (the web widget talks over socket.io). */
  readonly webhook?: WebhookHandler;
  /** Delivers one message; throws SendError (see send-error.ts) on failure. */
  send(ctx: Context, ch: ChannelRuntime, msg: OutboundMessage): Promise<SendResult>;
  /**
   * Downloads an inbound attachment the platform only referenced (Telegram file_id, WhatsApp
   * media id, a LINE message id, a Twilio MediaUrl...). Throws SendError-like errors:
   * permanent when it can never succeed, transient to be retried.
   */
  fetchMedia?(ctx: Context, ch: ChannelRuntime, ref: MediaRef): Promise<FetchedMedia>;
  /**
   * The message templates the platform has approved for this channel and that a send can fill
   * (WhatsApp). Absent on platforms without templates. Throws SendError when the platform fails,
   * AppError when the channel lacks a setting the listing needs.
   */
  listTemplates?(ctx: Context, ch: ChannelRuntime): Promise<TemplateView[]>;
}
