// OpenBLAS's CBLAS interface. pkg-config "openblas" puts its include folder first on Debian.
#include <cblas.h>
