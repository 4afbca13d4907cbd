// The closed vocabulary of errors a client can see: one row per stable code, with its HTTP
// status and title. A misspelled code is a compile error; the wire name is the row's string.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string_view>

namespace gd {

// X(enumerator, wire code, HTTP status, title)
#define GD_ERROR_CODES(X)                                                                        \
  X(kValidationFailed, "VALIDATION_FAILED", 400, "Invalid request")                              \
  X(kMalformedJson, "MALFORMED_JSON", 400, "Malformed JSON body")                                \
  X(kMalformedRequest, "MALFORMED_REQUEST", 400, "Malformed request")                            \
  X(kInvalidId, "INVALID_ID", 400, "Invalid id")                                                 \
  X(kInvalidCursor, "INVALID_CURSOR", 400, "Invalid cursor")                                     \
  X(kInvalidImage, "INVALID_IMAGE", 400, "Invalid image")                                        \
  X(kImageTooLarge, "IMAGE_TOO_LARGE", 400, "Image dimensions too large")                        \
  X(kPlatformNotConfigured, "PLATFORM_NOT_CONFIGURED", 400, "Push platform not configured")      \
  X(kVerifyTokenInvalid, "VERIFY_TOKEN_INVALID", 400, "Invalid verification link")               \
  X(kResetTokenInvalid, "RESET_TOKEN_INVALID", 400, "Invalid password reset link")               \
  X(kUnauthenticated, "UNAUTHENTICATED", 401, "Authentication required")                         \
  X(kTokenInvalid, "TOKEN_INVALID", 401, "Invalid access token")                                 \
  X(kTokenExpired, "TOKEN_EXPIRED", 401, "Access token expired")                                 \
  X(kInvalidCredentials, "INVALID_CREDENTIALS", 401, "Invalid credentials")                      \
  X(kRefreshTokenInvalid, "REFRESH_TOKEN_INVALID", 401, "Invalid refresh token")                 \
  X(kRefreshTokenReused, "REFRESH_TOKEN_REUSED", 401, "Refresh token reused")                    \
  X(kApiKeyInvalid, "API_KEY_INVALID", 401, "Invalid API key")                                   \
  X(kOauthTokenInvalid, "OAUTH_TOKEN_INVALID", 401, "Provider token refused")                    \
  X(kForbidden, "FORBIDDEN", 403, "Forbidden")                                                   \
  X(kCurrentPasswordWrong, "CURRENT_PASSWORD_WRONG", 403, "Current password is incorrect")       \
  X(kCannotApplyToOwnTask, "CANNOT_APPLY_TO_OWN_TASK", 403, "Cannot apply to own task")          \
  X(kAccountDisabled, "ACCOUNT_DISABLED", 403, "Account disabled")                               \
  X(kNotFound, "NOT_FOUND", 404, "Not found")                                                    \
  X(kUserNotFound, "USER_NOT_FOUND", 404, "User not found")                                      \
  X(kTaskNotFound, "TASK_NOT_FOUND", 404, "Task not found")                                      \
  X(kApplicationNotFound, "APPLICATION_NOT_FOUND", 404, "Application not found")                 \
  X(kPartnerNotFound, "PARTNER_NOT_FOUND", 404, "Partner not found")                             \
  X(kOfferNotFound, "OFFER_NOT_FOUND", 404, "Offer not found")                                   \
  X(kRedemptionNotFound, "REDEMPTION_NOT_FOUND", 404, "Redemption not found")                    \
  X(kCodeNotFound, "CODE_NOT_FOUND", 404, "Discount code not found")                             \
  X(kApiKeyNotFound, "API_KEY_NOT_FOUND", 404, "API key not found")                              \
  X(kNotificationNotFound, "NOTIFICATION_NOT_FOUND", 404, "Notification not found")              \
  X(kMethodNotAllowed, "METHOD_NOT_ALLOWED", 405, "Method not allowed")                          \
  X(kEmailTaken, "EMAIL_TAKEN", 409, "Email already registered")                                 \
  X(kConflict, "CONFLICT", 409, "Conflict")                                                      \
  X(kTaskNotOpen, "TASK_NOT_OPEN", 409, "Task is not open")                                      \
  X(kTaskStatusConflict, "TASK_STATUS_CONFLICT", 409, "Task is not in the required status")      \
  X(kAlreadyApplied, "ALREADY_APPLIED", 409, "Already applied")                                  \
  X(kApplicationNotPending, "APPLICATION_NOT_PENDING", 409, "Application is not pending")        \
  X(kInsufficientPoints, "INSUFFICIENT_POINTS", 409, "Insufficient points")                      \
  X(kSyncConflict, "SYNC_CONFLICT", 409, "Sync conflict")                                        \
  X(kOfferNotAvailable, "OFFER_NOT_AVAILABLE", 409, "Offer not available")                       \
  X(kCodeAlreadyUsed, "CODE_ALREADY_USED", 409, "Discount code already used")                    \
  X(kCodeExpired, "CODE_EXPIRED", 409, "Discount code expired")                                  \
  X(kRedemptionNotRefundable, "REDEMPTION_NOT_REFUNDABLE", 409, "Redemption cannot be refunded") \
  X(kLimitReached, "LIMIT_REACHED", 409, "Limit reached")                                        \
  X(kRedemptionOnHold, "REDEMPTION_ON_HOLD", 409, "Redemption on hold")                          \
  X(kPayloadTooLarge, "PAYLOAD_TOO_LARGE", 413, "Payload too large")                             \
  X(kUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", 415, "Unsupported media type")              \
  X(kIdempotencyKeyReused, "IDEMPOTENCY_KEY_REUSED", 422,                                        \
    "Idempotency key reused with another request")                                               \
  X(kIdempotencyKeyInUse, "IDEMPOTENCY_KEY_IN_USE", 409, "Idempotency key in use")               \
  X(kRateLimited, "RATE_LIMITED", 429, "Too many requests")                                      \
  X(kHeadersTooLarge, "HEADERS_TOO_LARGE", 431, "Request header fields too large")               \
  X(kInternal, "INTERNAL", 500, "Internal server error")                                         \
  X(kOauthProviderUnavailable, "OAUTH_PROVIDER_UNAVAILABLE", 502, "Provider unavailable")        \
  X(kServiceUnavailable, "SERVICE_UNAVAILABLE", 503, "Service unavailable")

enum class ErrorCode : std::uint8_t {
#define GD_ERROR_CODE_ENUM(e, name, status, title) e,
  GD_ERROR_CODES(GD_ERROR_CODE_ENUM)
#undef GD_ERROR_CODE_ENUM
};

struct ErrorCodeInfo {
  std::string_view name;  // the stable code clients switch on, e.g. "EMAIL_TAKEN"
  int status;             // the HTTP status of a problem document with this code
  std::string_view title;
};

const ErrorCodeInfo& info(ErrorCode code);
inline std::string_view name(ErrorCode code) {
  return info(code).name;
}
inline int http_status(ErrorCode code) {
  return info(code).status;
}
std::ostream& operator<<(std::ostream& out, ErrorCode code);

}  // namespace gd
