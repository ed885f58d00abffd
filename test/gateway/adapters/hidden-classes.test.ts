// Every adapter's events keep one hidden class (V8's "map") per kind, however many webhooks it has
// parsed (see WebhookHandler.parse in gateway/adapter.ts). Node 20's V8 gives an object literal
// that starts with a spread and then adds properties (`{ ...base, kind }`) a new hidden class on
// every call once the code is warm; each new class lands in the old generation, and every
// function that reads the events goes megamorphic. The check asks V8 itself (%HaveSameMap).
import { expect } from 'chai';
import v8 from 'node:v8';
import { adapterFor } from '../../../gateway/registry.js';
import type { ChannelRuntime, WebhookRequest } from '../../../gateway/adapter.js';
import type { Channel } from '../../../shared/db/entities/index.js';
import type { FakeHttpServer } from '../../fakes/fake-http-server.js';
import { CASES } from '../conformance/cases.js';

v8.setFlagsFromString('--allow-natives-syntax');
// Compiled after the flag is set, so the natives syntax parses; tsx would not let it through in source.
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

/** The paths (`.message.profile`) where two values of the same shape have different hidden classes. */
function hiddenClassDifferences(a: unknown, b: unknown, path = ''): string[] {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null || a instanceof Date) return [];
  const here = haveSameMap(a, b) ? [] : [path || '(the event)'];
  const keys = Object.keys(a).filter((k) => k in b);
  return here.concat(...keys.map((k) => hiddenClassDifferences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`)));
}

/** Enough calls for the code to be warm: the new classes begin after about ten. */
const WARM = 40;

describe('adapters: events keep their hidden class', () => {
  it('the check tells an object literal that starts with a spread apart from one written out', () => {
    const spread = (id: string) => { const base = { channelId: id, platform: 'telegram' }; return { ...base, kind: 'message', externalUserId: id }; };
    const whole = (id: string) => ({ channelId: id, platform: 'telegram', kind: 'message', externalUserId: id });
    const lastTwo = <T extends object>(make: (id: string) => T): [T, T] => {
      const made = Array.from({ length: WARM }, (_, i) => make(`u${i}`));
      return [made[WARM - 2], made[WARM - 1]];
    };
    expect(hiddenClassDifferences(...lastTwo(spread))).to.deep.equal(['(the event)']);
    expect(hiddenClassDifferences(...lastTwo(whole))).to.deep.equal([]);
  });

  for (const c of CASES) {
    describe(c.platform, () => {
      let fake: FakeHttpServer;
      before(async () => { fake = await c.startFake(); });
      after(async () => { await fake?.close(); });

      it('gives every text message event the same hidden classes, however many it has parsed', () => {
        const handler = adapterFor(c.platform)!.webhook!;
        const ch = { id: `ch-${c.platform}-classes`, tenantId: 'tenant-classes', platform: c.platform } as Channel;
        const webhookUrl = `http://127.0.0.1/webhooks/${ch.id}`;
        const rt: ChannelRuntime = { channel: ch, config: c.config(fake), webhookUrl };
        const parse = (n: number) => {
          const signed = c.textMessage({ id: ch.id, path: `/webhooks/${ch.id}`, webhookUrl }, { userId: c.userId(n), messageId: `m${n}-classes`, text: `hello number ${n}` });
          const q = signed.path.indexOf('?');
          const req: WebhookRequest = {
            method: 'POST', headers: signed.headers, rawBody: signed.body,
            query: q < 0 ? {} : Object.fromEntries(new URLSearchParams(signed.path.slice(q + 1))),
          };
          const events = handler.parse(req, rt);
          expect(events, `webhook ${n}`).to.have.length(1);
          expect(events[0].kind).to.equal('message');
          return events[0];
        };
        const events = Array.from({ length: WARM }, (_, n) => parse(n + 1));
        const [a, b] = events.slice(-2);
        expect(a.externalUserId).to.not.equal(b.externalUserId); // two customers: only the values differ
        expect(hiddenClassDifferences(a, b)).to.deep.equal([]);
      });
    });
  }
});
