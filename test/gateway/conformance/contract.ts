// What the conformance suite needs to know about a platform: its fake API, a channel config
// pointing at it, how the platform signs a webhook, and how to read what we sent.
import type { Platform } from '../../../shared/types/message.js';
import type { FakeHttpServer, RecordedRequest } from '../../fakes/fake-http-server.js';

export interface ChannelUnderTest { id: string; path: string; webhookUrl: string }
export interface SignedRequest { path: string; body: Buffer; headers: Record<string, string> }

/** Changes the signed body (the text "hello" in it), keeping its signature. */
export const tamperBody = (r: SignedRequest): SignedRequest => ({ ...r, body: Buffer.from(r.body.toString('utf8').replace('hello', 'HELLO')) });

export interface ConformanceCase<F extends FakeHttpServer = FakeHttpServer> {
  platform: Platform;
  /** The platform's API, started on 127.0.0.1. */
  startFake(): Promise<F>;
  /** A valid channel config whose API calls go to the fake. */
  config(fake: F): Record<string, unknown>;
  /** Keys the adapter must keep secret (never returned by the API). */
  secrets: string[];
  /** A webhook carrying one text message from `userId`, identified by `messageId`, signed as the platform signs. */
  textMessage(ch: ChannelUnderTest, o: { userId: string; messageId: string; text: string }): SignedRequest;
  /**
   * The request as a forger would make it without the channel's secret. Usually the body is
   * changed after signing; WeChat's plain mode signs no body, so there the signature is replaced.
   */
  forge(r: SignedRequest): SignedRequest;
  /** Arbitrary bytes, declared as the platform's content type and signed as the platform would sign them. */
  signedBytes(ch: ChannelUnderTest, body: Buffer): SignedRequest;
  /** A user id the fake accepts as a recipient. */
  userId(n: number): string;
  /** The outbound calls the fake received, and the text each carried. */
  sends(fake: F): RecordedRequest[];
  sentText(req: RecordedRequest): string | undefined;
  /** Makes the fake refuse, for good, the next send carrying `text` (an invalid recipient, a closed window...). */
  failSendPermanently(fake: F, text: string): void;
}

