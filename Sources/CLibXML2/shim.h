// libxml2 headers plus wrappers for what Swift 6 cannot use directly
// (xmlFree is a global function-pointer variable, not concurrency-safe in Swift's eyes).
#ifndef CLIBXML2_SHIM_H
#define CLIBXML2_SHIM_H
#include <libxml/xmlversion.h>
/* Debian builds libxml2 with ICU, so <libxml/encoding.h> would include the system's <unicode/ucnv.h>,
 * whose types clash with Foundation's own ICU module ("UErrorCode has different definitions") whenever
 * a Swift file of the same module sees both. Nothing here uses ICU: the only ICU-dependent fields are the
 * trailing uconv_in/uconv_out of xmlCharEncodingHandler, which we only reach through libxml2's pointers. */
#undef LIBXML_ICU_ENABLED
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
