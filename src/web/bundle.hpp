// The web app's files (web/, built by Vite) compiled into the binary by the build; empty when
// it was configured with GOODDEEDS_WEB=OFF.
#pragma once
#include <vector>

#include "core/embedded.hpp"

namespace gd::web_bundle {
const std::vector<embedded::File>& files();
}  // namespace gd::web_bundle
