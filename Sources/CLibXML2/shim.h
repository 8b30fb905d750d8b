// libxml2 headers plus wrappers for what Swift 6 cannot use directly
// (xmlFree is a global function-pointer variable, not concurrency-safe in Swift's eyes).
#ifndef CLIBXML2_SHIM_H
#define CLIBXML2_SHIM_H
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/SAX2.h>
#include <libxml/uri.h>
#include <libxml/xmlerror.h>
#include <libxml/entities.h>
#include <libxml/encoding.h>

static inline void cxml_free(void *p) { xmlFree(p); }
#endif
