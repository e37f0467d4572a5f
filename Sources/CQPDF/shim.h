// qpdf's C API (libqpdf-dev): object handles, reading and writing without a PDF parser of
// our own.
#include <qpdf/qpdf-c.h>
