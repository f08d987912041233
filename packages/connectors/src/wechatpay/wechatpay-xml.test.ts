import { describe, expect, it } from 'vitest';
import { buildWechatXml, parseWechatXml } from './wechatpay-xml.ts';

describe('WeChat Pay XML', () => {
  it('round-trips fields, including text that needs CDATA care', () => {
    const fields = { body: '咖啡 <b> & "cake"', tricky: 'a]]>b', spaced: '  kept  ', total_fee: '0100' };
    expect(parseWechatXml(buildWechatXml(fields))).toEqual(fields);
  });

  it('reads plain text, entities, empty elements and a declaration', () => {
    const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n  <return_code>SUCCESS</return_code>\n  <return_msg>a &amp; b</return_msg>\n  <attach></attach>\n</xml>\n';
    expect(parseWechatXml(xml)).toEqual({ return_code: 'SUCCESS', return_msg: 'a & b', attach: '' });
  });

  it.each([
    ['malformed XML', '<xml><a>1</b></xml>'],
    ['not XML at all', 'Internal Server Error'],
    ['a nested element', '<xml><a><b>1</b></a></xml>'],
    ['a repeated field', '<xml><a>1</a><a>2</a></xml>'],
    ['a DOCTYPE', '<!DOCTYPE xml [<!ENTITY e "x">]><xml><a>&e;</a></xml>'],
    ['another root element', '<root><a>1</a></root>'],
    ['loose text in the root', '<xml>text<a>1</a></xml>'],
    ['a prototype-polluting name', '<xml><__proto__>1</__proto__></xml>'],
  ])('rejects %s', (_name, xml) => {
    expect(parseWechatXml(xml)).toBeNull();
  });
});
