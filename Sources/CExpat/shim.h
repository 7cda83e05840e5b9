/* expat for Swift: the XML side of the .xlsx reader (a worksheet is parsed as it is inflated, never held whole). */
#ifndef BKCC_CEXPAT_SHIM_H
#define BKCC_CEXPAT_SHIM_H
#include <expat.h>
#endif
