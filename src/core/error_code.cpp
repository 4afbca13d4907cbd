// The table behind ErrorCode: names, statuses and titles, indexed by the enumerator.
#include "core/error_code.hpp"

#include <ostream>

namespace gd {
namespace {

constexpr ErrorCodeInfo kInfo[] = {
#define GD_ERROR_CODE_INFO(e, name, status, title) {name, status, title},
    GD_ERROR_CODES(GD_ERROR_CODE_INFO)
#undef GD_ERROR_CODE_INFO
};

}  // namespace

const ErrorCodeInfo& info(ErrorCode code) {
  return kInfo[static_cast<std::size_t>(code)];
}

std::ostream& operator<<(std::ostream& out, ErrorCode code) {
  return out << name(code);
}

}  // namespace gd
