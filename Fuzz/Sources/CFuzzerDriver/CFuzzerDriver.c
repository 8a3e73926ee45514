// Nothing to compile: the target only exports CFuzzerDriver.h to Swift.
#include "CFuzzerDriver.h"
