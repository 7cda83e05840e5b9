/* libzip for Swift: the archive side of the .xlsx reader (random access to the entries of a workbook). */
#ifndef BKCC_CZIP_SHIM_H
#define BKCC_CZIP_SHIM_H
#include <zip.h>
#endif
