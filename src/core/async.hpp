// The coroutine type every asynchronous function returns. Asio's awaitable is the only
// piece of Asio that domain code sees; Beast stays inside http/.
#pragma once
#include <boost/asio/awaitable.hpp>

namespace gd {
template <class T = void>
using Task = boost::asio::awaitable<T>;
}  // namespace gd
