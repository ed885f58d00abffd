// Hostile-input-proof XML parsing for webhooks (WeChat): no DTDs or entities (no XXE, no
// "billion laughs"), bounded nesting, and every failure a 400 instead of a crash.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { AppError } from '../../shared/errors.js';
import type { WebhookRequest } from '../adapter.js';
import { bodyText, requireMediaType } from './decode-text.js';

/** An element's content: text, or child elements (repeated ones as arrays). */
export type XmlValue = string | XmlElement | XmlValue[];
export interface XmlElement { [name: string]: XmlValue }

const CDATA = '#cdata';
const TEXT = '#text';

function parserFor(maxDepth: number): XMLParser {
  return new XMLParser({
    processEntities: false,   // entities never expand; the five predefined ones are decoded below
    htmlEntities: false,
    ignoreAttributes: true,
    parseTagValue: false,     // ids such as WeChat's 64-bit MsgId stay exact strings
    trimValues: true,
    cdataPropName: CDATA,     // CDATA is literal text: keep it apart from text that needs decoding
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: maxDepth,
  });
}

/**
 * Parses a whole document and returns its root element's children. Throws AppError 400 on
 * anything that is not a well-formed document with that root, or that declares a DTD.
 */
export function parseXmlDocument(text: string, rootName: string, maxDepth = 10): XmlElement {
  // A DOCTYPE is the only way to declare entities; we never need one, so any DTD is refused.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new AppError('bad_request', 'XML with a DTD or entity declarations is refused.');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new AppError('bad_request', `The body is not well-formed XML: ${valid.err.msg} (line ${valid.err.line}).`);
  let doc: unknown;
  try {
    doc = parserFor(maxDepth).parse(text);
  } catch (err) {
    throw new AppError('bad_request', `The XML body was refused: ${(err as Error).message}.`);
  }
  const root = (doc as Record<string, unknown>)[rootName];
  if (root === undefined) throw new AppError('bad_request', `The XML body's root element must be <${rootName}>.`);
  if (root === '') return {};
  const value = normalize(root);
  if (typeof value !== 'object' || Array.isArray(value)) throw new AppError('bad_request', `The XML body must have exactly one <${rootName}> element with child elements.`);
  return value;
}

function normalize(v: unknown): XmlValue {
  if (typeof v === 'string') return decodeEntities(v);
  if (Array.isArray(v)) return v.map(normalize);
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length && keys.every((k) => k === CDATA || k === TEXT)) {
    const cdata = obj[CDATA];
    const parts = Array.isArray(cdata) ? cdata.map(String) : cdata === undefined ? [] : [String(cdata)];
    return (typeof obj[TEXT] === 'string' ? decodeEntities(obj[TEXT] as string) : '') + parts.join('');
  }
  const out: XmlElement = {};
  for (const k of keys) if (k !== CDATA && k !== TEXT) out[k] = normalize(obj[k]);
  return out;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: '\'' };

/** The five predefined entities and character references; nothing that could expand or recurse. */
function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/g, (m, ref: string) => {
    if (ref[0] !== '#') return PREDEFINED[ref] ?? m;
    const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : m;
  });
}

/** Reads an XML webhook body: declared as XML (415 otherwise), UTF-8, then parsed as above. */
export function parseXmlBody(req: WebhookRequest, rootName: string, what: string, maxDepth?: number): XmlElement {
  requireMediaType(req.headers, ['text/xml', 'application/xml'], what);
  return parseXmlDocument(bodyText(req.rawBody), rootName, maxDepth);
}

/** A child element's text, or undefined when absent or not text. */
export function xmlText(el: XmlElement, name: string): string | undefined {
  const v = el[name];
  return typeof v === 'string' ? v : undefined;
}
