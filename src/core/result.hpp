// Errors as values: expected domain and client failures travel as Error inside Result<T>.
// Each Error carries an ErrorCode (core/error_code.hpp: one table of codes, statuses, titles).
#pragma once
#include <cassert>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/error_code.hpp"

namespace gd {

struct FieldError {
  std::string field;
  std::string message;
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string detail;  // human-readable explanation, never internals
  std::vector<FieldError> errors;
  int retry_after_s = 0;  // set for RATE_LIMITED
  std::string
      extra_json{};  // extra members for the problem document, e.g. "\"currentStatus\":\"open\""
};

inline Error make_error(ErrorCode code, std::string detail) {
  return Error{code, std::move(detail), {}};
}
inline Error validation_error(std::string field, std::string message) {
  return Error{ErrorCode::kValidationFailed,
               "The request is invalid.",
               {{std::move(field), std::move(message)}}};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const Error& error() const& {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

}  // namespace gd
