// The control for store_uses_http.cpp: the same target with only what store may use compiles,
// so that test fails for the include alone.
#include "core/result.hpp"
#include "store/db.hpp"
