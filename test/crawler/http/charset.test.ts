import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  charsetParam,
  decodeBody,
  encodingForLabel,
  isHtmlMedia,
  isTextMedia,
  mediaTypeOf,
  sniffMediaType,
} from '../../../crawler/http/charset.ts';

// A GBK encoder for the tests, made by inverting the decoder over every 2-byte sequence.
const gbkTable = (() => {
  const decoder = new TextDecoder('gb18030');
  const table = new Map<string, number[]>();
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      if (trail === 0x7f) continue;
      const ch = decoder.decode(new Uint8Array([lead, trail]));
      if (ch.length === 1 && ch !== '\ufffd' && !table.has(ch)) table.set(ch, [lead, trail]);
    }
  }
  return table;
})();

function gbk(text: string): Buffer {
  const bytes: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (code < 0x80) bytes.push(code);
    else {
      const pair = gbkTable.get(ch);
      if (pair === undefined) throw new Error(`test encoder has no GBK bytes for ${ch}`);
      bytes.push(...pair);
    }
  }
  return Buffer.from(bytes);
}

const CHINESE = '百度贴吧——全球领先的中文社区，聊天吧：你好！';

test('the test GBK encoder agrees with known byte sequences', () => {
  assert.equal(gbk('你好').toString('hex'), 'c4e3bac3');
  assert.equal(gbk('聊天').toString('hex'), 'c1c4ccec');
});

test('GBK and GB2312 labels decode GBK bytes exactly', () => {
  for (const label of ['gbk', 'GBK', 'gb2312', 'x-gbk', 'gb_2312-80', '"GB2312"']) {
    const { text, encoding } = decodeBody(gbk(CHINESE), `text/html; charset=${label}`);
    assert.equal(text, CHINESE, `label ${label}`);
    assert.equal(encoding, 'gbk');
  }
});

test('a GBK label also decodes four-byte GB18030 sequences (as browsers do)', () => {
  // 0x81 0x30 0x81 0x30 is U+0080 in GB18030; ICU's plain GBK would give U+FFFD.
  const body = Buffer.concat([gbk('你'), Buffer.from([0x81, 0x30, 0x81, 0x30]), gbk('好')]);
  assert.equal(decodeBody(body, 'text/html; charset=gbk').text, '你\u0080好');
  assert.equal(decodeBody(body, 'text/html; charset=gb18030').text, '你\u0080好');
});

test('<meta charset> decides when the header names none', () => {
  const page = Buffer.concat([
    Buffer.from('<html><head><meta charset="gbk"><title>'),
    gbk(CHINESE),
    Buffer.from('</title>'),
  ]);
  const { text, encoding } = decodeBody(page, 'text/html');
  assert.equal(encoding, 'gbk');
  assert.ok(text.includes(CHINESE));
});

test('<meta http-equiv="Content-Type"> decides when the header names none', () => {
  const page = Buffer.concat([
    Buffer.from('<html><head><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=gb2312">\n<title>'),
    gbk(CHINESE),
  ]);
  assert.equal(decodeBody(page, 'text/html').text.endsWith(CHINESE), true);
});

test('a meta tag beyond the sniff window is not read', () => {
  const page = Buffer.concat([Buffer.from(`<html>${' '.repeat(5000)}<meta charset="gbk">`), gbk('你好')]);
  assert.equal(decodeBody(page, 'text/html').encoding, 'utf-8');
});

test('meta tags are ignored for media types other than HTML', () => {
  const body = Buffer.from('{"html":"<meta charset=gbk>","x":"é"}');
  assert.deepEqual(decodeBody(body, 'application/json'), {
    text: '{"html":"<meta charset=gbk>","x":"é"}',
    encoding: 'utf-8',
  });
});

test('the Content-Type charset wins over a meta tag', () => {
  const page = Buffer.from('<meta charset="gbk"><p>é</p>', 'latin1');
  assert.deepEqual(decodeBody(page, 'text/html; charset=iso-8859-1'), {
    text: '<meta charset="gbk"><p>é</p>',
    encoding: 'windows-1252',
  });
});

test('a header claiming UTF-8 over invalid UTF-8 gives way to the meta charset', () => {
  const page = Buffer.concat([Buffer.from('<meta charset="gbk">'), gbk(CHINESE)]);
  assert.deepEqual(decodeBody(page, 'text/html; charset=utf-8'), {
    text: `<meta charset="gbk">${CHINESE}`,
    encoding: 'gbk',
  });
  // Valid UTF-8 keeps the header's word, whatever the meta tag says.
  const honest = Buffer.from(`<meta charset="gbk">${CHINESE}`, 'utf8');
  assert.equal(decodeBody(honest, 'text/html; charset=utf-8').text, `<meta charset="gbk">${CHINESE}`);
});

test('a byte-order mark decides when the header names no charset', () => {
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('你好 ok', 'utf16le')]);
  assert.deepEqual(decodeBody(le, 'text/plain'), { text: '你好 ok', encoding: 'utf-16le' });
  const be = Buffer.from(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('你好', 'utf16le').swap16()]));
  assert.deepEqual(decodeBody(be, 'text/html'), { text: '你好', encoding: 'utf-16be' });
  const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<meta charset=gbk>你好')]);
  assert.deepEqual(decodeBody(utf8, 'text/html'), { text: '<meta charset=gbk>你好', encoding: 'utf-8' });
});

test('a bogus charset label falls back to the next source instead of throwing', () => {
  const page = Buffer.concat([Buffer.from('<meta charset="gbk">'), gbk('你好')]);
  assert.equal(decodeBody(page, 'text/html; charset=no-such-charset').encoding, 'gbk');
  assert.equal(decodeBody(Buffer.from('héllo'), 'text/plain; charset=x-bogus').text, 'héllo');
  const bogusMeta = Buffer.from('<meta charset="klingon">héllo');
  assert.equal(decodeBody(bogusMeta, 'text/html').encoding, 'utf-8');
});

test('with no Content-Type at all, an HTML body is sniffed and its meta tag honoured', () => {
  const page = Buffer.concat([Buffer.from('<!DOCTYPE html><meta charset="gbk">'), gbk('你好')]);
  assert.equal(decodeBody(page, undefined).text.endsWith('你好'), true);
});

test('media type helpers parse and classify Content-Type values', () => {
  assert.equal(mediaTypeOf('Text/HTML; charset=GBK'), 'text/html');
  assert.equal(mediaTypeOf(undefined), '');
  assert.equal(charsetParam('text/html; charset="gb2312"'), 'gb2312');
  assert.equal(charsetParam('text/html;charset=utf-8;q=1'), 'utf-8');
  assert.equal(charsetParam('text/html'), undefined);
  assert.equal(encodingForLabel(' GB2312 '), 'gbk');
  assert.equal(encodingForLabel('nope'), undefined);
  assert.equal(isHtmlMedia('application/xhtml+xml'), true);
  assert.equal(isHtmlMedia('text/plain'), false);
  for (const t of [
    'text/plain',
    'text/css',
    'application/json',
    'application/ld+json',
    'application/xml',
    'image/svg+xml',
    'application/javascript',
  ]) {
    assert.equal(isTextMedia(t), true, t);
  }
  for (const t of ['image/png', 'application/pdf', 'application/octet-stream', ''])
    assert.equal(isTextMedia(t), false, t);
});

test('bodies without Content-Type are sniffed as HTML, text or a binary format', () => {
  assert.equal(sniffMediaType(Buffer.from('\n  <!doctype HTML><html>')), 'text/html');
  assert.equal(sniffMediaType(Buffer.from('<html lang="zh">')), 'text/html');
  assert.equal(sniffMediaType(Buffer.from('%PDF-1.7\n...')), 'application/pdf');
  assert.equal(sniffMediaType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0])), 'image/png');
  assert.equal(sniffMediaType(Buffer.from([0xff, 0xd8, 0xff, 0xe0])), 'image/jpeg');
  assert.equal(sniffMediaType(Buffer.from('GIF89a....')), 'image/gif');
  assert.equal(sniffMediaType(Buffer.from('just words')), 'text/plain');
  assert.equal(sniffMediaType(Buffer.from([1, 2, 3, 0])), 'application/octet-stream');
});
