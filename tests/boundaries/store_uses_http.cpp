// Must not compile: store sits below http, so http's headers are not on its include path.
// tests/CMakeLists.txt builds this against gd_store and expects the include to fail.
#include "http/types.hpp"
#include "store/db.hpp"
