// The generic webhook body readers every adapter uses: JSON, form and XML, each refusing
// hostile input with the right status instead of crashing or storing garbage.
import { expect } from 'chai';
import { z } from 'zod';
import type { WebhookRequest } from '../../gateway/adapter.js';
import { AppError } from '../../shared/errors.js';
import { parseJsonBody } from '../../gateway/webhook-body/parse-json.js';
import { parseFormBody } from '../../gateway/webhook-body/parse-form.js';
import { parseXmlBody, parseXmlDocument } from '../../gateway/webhook-body/parse-xml.js';
import { retryAfter, sendErrorFrom } from '../../gateway/http/platform-http.js';
import { safeEqual } from '../../gateway/verify/safe-equal.js';

const req = (body: string | Buffer, contentType?: string): WebhookRequest => ({
  method: 'POST', query: {}, rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body), headers: contentType ? { 'content-type': contentType } : {},
});
function statusOf(fn: () => unknown): number | 'ok' {
  try { fn(); return 'ok'; } catch (err) { expect(err).to.be.instanceOf(AppError); return (err as AppError).status; }
}

describe('webhook body readers', () => {
  describe('JSON', () => {
    const schema = z.object({ a: z.number() });
    it('parses a valid body and checks field types', () => {
      expect(parseJsonBody(req('{"a":1}', 'application/json; charset=utf-8'), schema, 'x')).to.deep.equal({ a: 1 });
      expect(statusOf(() => parseJsonBody(req('{"a":"1"}', 'application/json'), schema, 'x'))).to.equal(400);
    });
    it('answers 415 for another content type or charset, 400 for bad JSON, bad UTF-8 or deep nesting', () => {
      expect(statusOf(() => parseJsonBody(req('{"a":1}', 'text/plain'), schema, 'x'))).to.equal(415);
      expect(statusOf(() => parseJsonBody(req('{"a":1}'), schema, 'x'))).to.equal(415);
      expect(statusOf(() => parseJsonBody(req('{"a":1}', 'application/json; charset=latin1'), schema, 'x'))).to.equal(415);
      expect(statusOf(() => parseJsonBody(req('{"a":', 'application/json'), schema, 'x'))).to.equal(400);
      expect(statusOf(() => parseJsonBody(req(Buffer.from([0x7b, 0xc3, 0x7d]), 'application/json'), schema, 'x'))).to.equal(400);
      expect(statusOf(() => parseJsonBody(req(`{"a":1,"b":${'['.repeat(64)}${']'.repeat(64)}}`, 'application/json'), schema, 'x'))).to.equal(400);
      expect(statusOf(() => parseJsonBody(req(`{"a":1,"b":${'[{"c":'.repeat(40)}1${'}]'.repeat(40)}}`, 'application/json'), schema, 'x'))).to.equal(400);
      expect(parseJsonBody(req(`{"a":1,"b":${'['.repeat(63)}${']'.repeat(63)}}`, 'application/json'), schema, 'x'), '64 levels are allowed').to.deep.include({ a: 1 });
      expect(statusOf(() => parseJsonBody(req(`${'['.repeat(200000)}${']'.repeat(200000)}`, 'application/json'), schema, 'x'))).to.equal(400);
    });
  });

  describe('form', () => {
    it('reads fields, and refuses percent-encoded invalid UTF-8', () => {
      expect(parseFormBody(req('A=1&B=x+y&A=2', 'application/x-www-form-urlencoded'), 'x')).to.deep.equal({ A: '1', B: 'x y' });
      expect(statusOf(() => parseFormBody(req('A=%FF', 'application/x-www-form-urlencoded'), 'x'))).to.equal(400);
      expect(parseFormBody(req('A=%EF%BF%BD', 'application/x-www-form-urlencoded'), 'x')).to.deep.equal({ A: '\uFFFD' });
      expect(statusOf(() => parseFormBody(req('A=1', 'application/json'), 'x'))).to.equal(415);
    });
  });

  describe('XML', () => {
    it('keeps 64-bit ids exact, CDATA literal, and decodes only the predefined entities', () => {
      const el = parseXmlDocument('<?xml version="1.0"?><xml><MsgId>6054768590064713728</MsgId><A><![CDATA[a &amp; <b>]]></A><B>x &amp; y &#20320; &unknown;</B><C/></xml>', 'xml');
      expect(el).to.deep.equal({ MsgId: '6054768590064713728', A: 'a &amp; <b>', B: 'x & y 你 &unknown;', C: '' });
    });
    it('refuses DTDs, entity declarations, deep nesting, other roots and malformed documents with 400', () => {
      for (const doc of [
        '<!DOCTYPE xml SYSTEM "http://evil/x.dtd"><xml/>', '<xml><!ENTITY x "y"></xml>', '<!doctype xml><xml/>',
        `<xml>${'<a>'.repeat(20)}${'</a>'.repeat(20)}</xml>`, '<other/>', '<xml><a></xml>', '', '<xml/><xml/>',
        '<xml><__proto__>1</__proto__></xml>',
      ]) expect(statusOf(() => parseXmlDocument(doc, 'xml')), doc.slice(0, 30)).to.equal(400);
    });
    it('answers 415 unless the body is declared as XML', () => {
      expect(statusOf(() => parseXmlBody(req('<xml/>', 'application/json'), 'xml', 'x'))).to.equal(415);
      expect(parseXmlBody(req('<xml><a>1</a></xml>', 'text/xml; charset=UTF-8'), 'xml', 'x')).to.deep.equal({ a: '1' });
    });
  });

  describe('platform call failures', () => {
    it('reads Retry-After as seconds or a date, capped', () => {
      expect(retryAfter('3')).to.equal(3000);
      expect(retryAfter(new Date(Date.now() + 10_000).toUTCString())).to.be.within(8000, 10_000);
      expect(retryAfter('999999')).to.equal(3_600_000);
      expect(retryAfter('soon')).to.equal(undefined);
    });
    it('treats plain errors as transient and keeps SendErrors as they are', () => {
      expect(sendErrorFrom(new Error('boom'), 'X')).to.include({ permanent: false });
    });
  });

  it('compares signatures without leaking where they differ, and exactly', () => {
    expect(safeEqual('abc', 'abc')).to.equal(true);
    expect(safeEqual('abc', 'abd')).to.equal(false);
    expect(safeEqual('abc', 'abcd')).to.equal(false);
  });
});
