// How an outgoing message becomes each platform's request body: text, media links and
// locations, for what each platform can and cannot show natively.
import { expect } from 'chai';
import { renderLine } from '../../../gateway/adapters/line/outbound.js';
import { renderTwilio } from '../../../gateway/adapters/twilio_sms/outbound.js';
import { renderWechat } from '../../../gateway/adapters/wechat/outbound.js';
import { renderApi } from '../../../gateway/adapters/api/outbound.js';
import type { MessageContent, OutboundMessage } from '../../../shared/types/message.js';
import type { MediaView } from '../../../shared/types/api.js';

function outbound(content: MessageContent, media: MediaView[] = []): OutboundMessage {
  return {
    messageId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', conversationId: 'c1', channelId: 'ch1', tenantId: 't1', externalUserId: 'U1', customerId: 'cu1', content,
    view: { id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', conversationId: 'c1', direction: 'out', sender: 'agent', type: content.type, ...(content.text ? { text: content.text } : {}), media, status: 'pending', createdAt: new Date(0).toISOString() },
  };
}
const image = (url: string): MediaView => ({ id: 'm1', mimeType: 'image/png', size: 10, url });

describe('outbound rendering', () => {
  it('LINE: text, https images as image objects, other media as links, locations natively', () => {
    expect(renderLine(outbound({ type: 'text', text: 'hi' }))).to.deep.equal([{ type: 'text', text: 'hi' }]);
    expect(renderLine(outbound({ type: 'image', text: 'see' }, [image('https://cdn/x.png')]))).to.deep.equal([
      { type: 'text', text: 'see' }, { type: 'image', originalContentUrl: 'https://cdn/x.png', previewImageUrl: 'https://cdn/x.png' }]);
    expect(renderLine(outbound({ type: 'image' }, [image('http://localhost/x.png')]))).to.deep.equal([{ type: 'text', text: 'http://localhost/x.png' }]);
    // Over 1 MB: our JPEG thumbnail is the preview; GIFs, files and pictures over 10 MB go as links.
    const big = { ...image('https://cdn/big.jpg'), mimeType: 'image/jpeg', size: 3_000_000, thumbnailUrl: 'https://cdn/big-thumb.jpg' };
    const gif = { ...image('https://cdn/a.gif'), mimeType: 'image/gif' };
    const pdf = { ...image('https://cdn/a.pdf'), mimeType: 'application/pdf' };
    const huge = { ...image('https://cdn/huge.png'), size: 11 * 1024 * 1024, thumbnailUrl: 'https://cdn/t.jpg' };
    expect(renderLine(outbound({ type: 'image' }, [big, gif, pdf, huge]))).to.deep.equal([
      { type: 'image', originalContentUrl: 'https://cdn/big.jpg', previewImageUrl: 'https://cdn/big-thumb.jpg' },
      { type: 'text', text: 'https://cdn/a.gif\nhttps://cdn/a.pdf\nhttps://cdn/huge.png' }]);
    expect(renderLine(outbound({ type: 'location', location: { latitude: 1, longitude: 2, name: 'HQ' } }))).to.deep.equal([
      { type: 'location', title: 'HQ', address: '', latitude: 1, longitude: 2 }]);
    expect(() => renderLine(outbound({ type: 'text' }))).to.throw(/nothing LINE can show/);
  });

  it('Twilio: Body, one MediaUrl per attachment, the status callback, a Messaging Service as sender', () => {
    const f = renderTwilio(outbound({ type: 'image', text: 'photo' }, [image('https://cdn/a.png'), image('https://cdn/b.png')]), 'MG0123456789abcdef0123456789abcdef', 'https://us/webhooks/ch1');
    expect([...f.entries()]).to.deep.equal([['To', 'U1'], ['MessagingServiceSid', 'MG0123456789abcdef0123456789abcdef'], ['Body', 'photo'],
      ['MediaUrl', 'https://cdn/a.png'], ['MediaUrl', 'https://cdn/b.png'], ['StatusCallback', 'https://us/webhooks/ch1']]);
  });

  it('Twilio: refuses what MMS cannot carry (a type, more than 5 MB, more than 10 files), saying why', () => {
    const send = (media: MediaView[]) => () => renderTwilio(outbound({ type: 'file', text: 'here' }, media), '+15550001111', 'https://us/webhooks/ch1');
    const zip = { ...image('https://cdn/a.zip'), mimeType: 'application/zip', fileName: 'logs.zip' };
    expect(send([zip])).to.throw(/Twilio MMS cannot carry application\/zip \(logs\.zip\)/);
    expect(send([{ ...image('https://cdn/a.png'), size: 3_000_000 }, { ...image('https://cdn/b.png'), size: 3_000_000 }])).to.throw(/at most 5 MB in all; these attachments are 5\.7 MB/);
    expect(send(Array.from({ length: 11 }, (_, i) => image(`https://cdn/${i}.png`)))).to.throw(/at most 10 attachments/);
    expect(send([{ ...image('https://cdn/a.pdf'), mimeType: 'application/pdf' }])().getAll('MediaUrl')).to.deep.equal(['https://cdn/a.pdf']);
  });

  it('WeChat: the text with places and links first, then each picture, voice note or video WeChat takes, to upload', () => {
    const png = image('https://cdn/x.png');
    const pdf = { ...image('https://cdn/x.pdf'), mimeType: 'application/pdf' };
    const wav = { ...image('https://cdn/x.wav'), mimeType: 'audio/wav' };
    const bigMp4 = { ...image('https://cdn/x.mp4'), mimeType: 'video/mp4', size: 11 * 1024 * 1024 };
    expect(renderWechat(outbound({ type: 'image', text: 'look' }, [png, pdf, wav, bigMp4]))).to.deep.equal([
      { message: { touser: 'U1', msgtype: 'text', text: { content: 'look\nhttps://cdn/x.pdf\nhttps://cdn/x.wav\nhttps://cdn/x.mp4' } } },
      { upload: { kind: 'image', media: png, touser: 'U1' } },
    ]);
    expect(renderWechat(outbound({ type: 'image' }, [png]))).to.deep.equal([{ upload: { kind: 'image', media: png, touser: 'U1' } }]);
    expect(renderWechat(outbound({ type: 'location', location: { latitude: 1.5, longitude: 2.5, name: 'HQ' } }))).to.deep.equal([
      { message: { touser: 'U1', msgtype: 'text', text: { content: 'HQ 1.5,2.5' } } }]);
  });

  it('api channel: the documented callback shape', () => {
    expect(renderApi(outbound({ type: 'image', text: 'x' }, [image('https://cdn/x.png')]))).to.deep.equal({
      channelId: 'ch1', externalUserId: 'U1',
      message: { id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', type: 'image', text: 'x', media: [{ id: 'm1', mimeType: 'image/png', size: 10, url: 'https://cdn/x.png' }] },
    });
  });
});
