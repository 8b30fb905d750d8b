// libpq's C API (libpq-fe.h, Debian's libpq-dev), behind a module map like newswired's other C libraries.
#ifndef CLIBPQ_SHIM_H
#define CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
