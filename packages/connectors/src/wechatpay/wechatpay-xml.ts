import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * WeChat Pay v2 bodies are one flat `<xml>` element of text children: `<xml><k><![CDATA[v]]></k>…</xml>`.
 */
export function buildWechatXml(fields: Readonly<Record<string, string>>): string {
  const children = Object.entries(fields).map(([key, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`not a WeChat Pay field name: ${key}`);
    // A CDATA section cannot contain "]]>": end the section there and start another.
    return `<${key}><![CDATA[${value.replaceAll(']]>', ']]]]><![CDATA[>')}]]></${key}>`;
  });
  return `<xml>${children.join('')}</xml>`;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  // Keep every value as the exact text that was signed: no number parsing, no trimming.
  parseTagValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  processEntities: true,
});

/**
 * Reads a WeChat Pay body into its fields; null when it is not well-formed, not a flat `<xml>` of text
 * elements, repeats a field, or declares a DOCTYPE (entity tricks have no place in a payment answer).
 */
export function parseWechatXml(text: string): Record<string, string> | null {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) return null;
  if (XMLValidator.validate(text) !== true) return null;
  let document: unknown;
  try {
    document = parser.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(document) || Object.keys(document).length !== 1 || !isRecord(document.xml)) return null;
  const fields: [string, string][] = [];
  for (const [key, value] of Object.entries(document.xml)) {
    if (key === '#text') {
      if (typeof value === 'string' && value.trim() === '') continue; // whitespace between elements
      return null;
    }
    if (typeof value !== 'string') return null; // nested element or repeated field
    fields.push([key, value]);
  }
  return Object.fromEntries(fields);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
