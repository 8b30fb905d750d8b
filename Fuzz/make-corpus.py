#!/usr/bin/env python3
# Regenerates Fuzz/corpus/ (the fuzz target's seeds) and its PROVENANCE.tsv from ../shared and the
# hostile documents written below. Run from Fuzz/corpus: python3 ../make-corpus.py
# Every seed ends in a newline: the fuzz target reads the last byte as its configuration byte, and
# "\n" selects the plain configuration (see Sources/FuzzParser/FuzzParser.swift).
import os, codecs
SHARED=os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared'))
C=SHARED+'/conformance/fixtures'
R=SHARED+'/corpus/realworld'
prov=[]
def copy(src, name, note):
    data=open(src,'rb').read()
    if not data.endswith(b'\n'): data+=b'\n'
    assert len(data) < 65536, src
    open(name,'wb').write(data)
    prov.append((name, '../shared/'+os.path.relpath(src, SHARED), note))
def write(name, data, note):
    if isinstance(data,str): data=data.encode()
    if not data.endswith(b'\n'): data+=b'\n'
    assert len(data) < 65536, name
    open(name,'wb').write(data)
    prov.append((name, 'generated', note))

for f,note in [
 ('wellformed/rss/channel_title.xml','RSS 2.0, minimal'),
 ('wellformed/rss/entity_in_doctype.xml','RSS with an internal DTD entity'),
 ('wellformed/rdf/'+sorted(os.listdir(C+'/wellformed/rdf'))[0],'RSS 1.0 (RDF)'),
 ('wellformed/atom10/entry_content_inline_markup.xml','Atom 1.0, XHTML content'),
 ('wellformed/atom10/entry_content_base64.xml','Atom 1.0, base64 content'),
 ('wellformed/atom/entry_content_mode_escaped.xml','Atom 0.3, escaped content'),
 ('wellformed/sanitize/entry_content_crazy.xml','hostile HTML content (comments, scripts)'),
 ('wellformed/base/entry_content_xml_base_inherit_3.xml','xml:base inheritance'),
 ('wellformed/itunes/'+sorted(os.listdir(C+'/wellformed/itunes'))[0],'iTunes namespace'),
 ('wellformed/media-rss/'+sorted(os.listdir(C+'/wellformed/media-rss'))[0],'Media RSS namespace'),
 ('wellformed/sgml/charref_uppercase_x.xml','uppercase hex character reference'),
 ('illformed/rss_item_link_corrupted_ampersands.xml','bare ampersands (recovered)'),
 ('illformed/undeclared_namespace.xml','undeclared namespace prefix'),
 ('illformed/rss_incomplete_cdata.xml','unterminated CDATA section'),
 ('encoding/x80_koi8-r.xml','declared KOI8-R'),
 ('encoding/x80_cp037.xml','EBCDIC (cp037)'),
 ('encoding/bozo_invalid-bytes-with-bom.xml','BOM with invalid bytes'),
 ('encoding/demoronize-1.xml','windows-1252 smart quotes'),
 ('encoding/euc-kr-item.xml','EUC-KR'),
]:
    copy(C+'/'+f, 'conf-'+f.replace('/','-'), note)

for f,note in [
 ('node-feedparser__rss2sample.xml','RSS 2.0 sample'),
 ('feedjira__a10.xml','Atom 1.0'),
 ('feedjira__ITunesWithSingleQuotedAttributes.xml','podcast RSS, single-quoted attributes'),
 ('miniflux__no_encoding_ISO-8859-1.xml','ISO-8859-1 bytes without a declared encoding'),
 ('miniflux__rdf_UTF8.xml','RSS 1.0, UTF-8'),
 ('feedjira__RSSWithComments.xml','RSS with comments'),
 ('node-feedparser__illegally-nested.xml','illegally nested elements'),
 ('rsparser__jsonfeed-extension.json','JSON Feed with extensions'),
]:
    copy(R+'/'+f, 'real-'+f.replace('__','-'), note)

write('hostile-billion-laughs.xml',
 '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY lol0 "lol">\n' +
 ''.join('<!ENTITY lol%d "%s">\n' % (i, ('&lol%d;' % (i-1))*10) for i in range(1,10)) +
 ']>\n<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>',
 'billion laughs: 9 levels of 10x entity expansion')
write('hostile-quadratic-blowup.xml',
 '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "%s">]>\n<rss version="2.0"><channel><item><description>%s</description></item></channel></rss>' % ('A'*20000, '&a;'*10000),
 'quadratic blow-up: one 20 KB entity referenced 10,000 times')
write('hostile-deep-nesting.xml',
 '<rss version="2.0"><channel><item><description>' + '<div>'*5000 + 'x' + '</div>'*5000 + '</description></item></channel></rss>',
 'elements nested 5,000 deep inside an item')
write('hostile-deep-json.json', '{"version":"https://jsonfeed.org/version/1.1","title":' + '['*20000 + ']'*20000 + ',"items":[]}',
 'JSON Feed with arrays nested 20,000 deep')
write('hostile-xxe.xml',
 '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY % pe SYSTEM "http://127.0.0.1:1/x.dtd"> %pe;]>\n<rss version="2.0"><channel><title>&xxe;</title></channel></rss>',
 'external general and parameter entities (must never be loaded)')
write('hostile-broken-utf8.xml',
 b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>caf\xc3 \xe2\x82 \xf0\x9f\x98 \xed\xa0\x80 \xc0\xaf \xff\xfe</title><item><title>\xe9t\xe9</title></item></channel></rss>',
 'truncated, overlong, surrogate and invalid UTF-8 sequences')
write('hostile-utf16-lying-decl.xml',
 '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>\u00e9\u4e2d</title></channel></rss>'.encode('utf-16-le'),
 'UTF-16LE without BOM that declares utf-8')
write('hostile-utf32-bom.xml', codecs.BOM_UTF32_LE + '<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>'.encode('utf-32-le'),
 'UTF-32LE with BOM (Atom)')
write('hostile-many-items.xml', '<rss version="2.0"><channel>' + '<item/>'*8500 + '</channel></rss>', '8,500 empty items')
write('hostile-many-attributes.xml',
 '<feed xmlns="http://www.w3.org/2005/Atom"><entry ' + ' '.join('a%d="%d"' % (i,i) for i in range(3000)) + '><title>t</title></entry></feed>',
 'an entry with 3,000 attributes')
write('hostile-html-page.html',
 '<!doctype html><html><head><base href="/x/"><link rel="alternate" type="application/rss+xml" href="feed.xml"><link rel=alternate type="application/atom+xml" href="//evil/%zz"></head><body><p>not a feed</body></html>',
 'an HTML page advertising feeds (relative and broken hrefs)')
write('hostile-nul-and-controls.xml',
 b'<rss version="2.0"><channel><title>a\x00b\x01c\x1b[31m</title><item><title>\x85\x9f\x7f</title><link>java\x00script:alert(1)</link></item></channel></rss>',
 'NUL, C0 and C1 control bytes in text')
write('hostile-bad-dates-entities.xml',
 '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><item><pubDate>Mon, 99 Foo 99999999999 25:61:61 +9999</pubDate><dc:date>\u0661\u0662-02-30T24:00:00.9999999999Z</dc:date><title>&nbsp;&eacute;&#0;&#xD800;&#x110000;&#99999999999;&unknown;</title></item></channel></rss>',
 "impossible dates, other scripts' digits, HTML and invalid character references")

# Minimized fuzz findings, kept as regression seeds.
write('crash-rfc822-huge-year.xml',
 '<rss version="2.0"><channel><item><title>t</title><pubDate>Wed, 6 Apr 1509859692855631881</pubDate></item></channel></rss>',
 'fuzz finding 2026-11-23: a 19-digit RFC 822 year traps in ISOTime.daysFromCivil (arithmetic overflow)')

with open('PROVENANCE.tsv','w') as f:
    f.write('file\tsource\twhat it exercises\n')
    for p in prov: f.write('\t'.join(p)+'\n')
print(len(prov))
