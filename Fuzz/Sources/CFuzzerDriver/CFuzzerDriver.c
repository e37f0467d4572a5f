// Declarations only: the driver is in libFuzzer's runtime.
#include "CFuzzerDriver.h"
