// Runs a blocking function on another executor (the SQLite writer thread, the password
// hashing pool) and resumes the awaiting coroutine on its own executor with the result.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "core/async.hpp"

namespace gd {

template <class Executor, class F>
Task<std::invoke_result_t<F&>> offload(Executor target, F fn) {
  using R = std::invoke_result_t<F&>;
  using Value = std::conditional_t<std::is_void_v<R>, bool, R>;
  auto initiate = [target](auto handler, F f) mutable {
    boost::asio::post(target, [handler = std::move(handler), f = std::move(f)]() mutable {
      std::exception_ptr error;
      std::optional<Value> value;
      try {
        if constexpr (std::is_void_v<R>) {
          f();
          value.emplace(true);
        } else {
          value.emplace(f());
        }
      } catch (...) {
        error = std::current_exception();
      }
      auto ex = boost::asio::get_associated_executor(handler);
      boost::asio::dispatch(
          ex, [handler = std::move(handler), error, value = std::move(value)]() mutable {
            std::move(handler)(error, std::move(value));
          });
    });
  };
  auto result =
      co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                           void(std::exception_ptr, std::optional<Value>)>(
          std::move(initiate), boost::asio::use_awaitable, std::move(fn));
  if constexpr (!std::is_void_v<R>) co_return std::move(*result);
}

}  // namespace gd
