#include "problem.h"

static const ac_error_info ERRORS[AC_ERR_COUNT] = {
    [AC_ERR_VALIDATION] = {"validation_failed", 400, "The request is not valid"},
    [AC_ERR_MALFORMED_JSON] = {"malformed_json", 400, "The body is not a valid JSON object"},
    [AC_ERR_UNAUTHORIZED] = {"unauthorized", 401, "Authentication required"},
    [AC_ERR_INVALID_CREDENTIALS] = {"invalid_credentials", 401, "Login or password is wrong"},
    [AC_ERR_FORBIDDEN] = {"forbidden", 403, "Your role may not do this"},
    [AC_ERR_NOT_FOUND] = {"not_found", 404, "Not found"},
    [AC_ERR_METHOD_NOT_ALLOWED] = {"method_not_allowed", 405, "Method not allowed"},
    [AC_ERR_ALREADY_EXISTS] = {"already_exists", 409, "Already exists"},
    [AC_ERR_IDEMPOTENCY_IN_FLIGHT] = {"idempotency_key_in_flight", 409,
                                      "A request with this Idempotency-Key is still running"},
    [AC_ERR_DUPLICATE_CUSTOMER] = {"duplicate_customer", 409,
                                   "A customer with this phone number exists"},
    [AC_ERR_CUSTOMER_ERASED] = {"customer_erased", 409, "The customer was erased"},
    [AC_ERR_CUSTOMER_OPTED_OUT] = {"customer_opted_out", 409,
                                   "The customer did not agree to marketing calls"},
    [AC_ERR_INVALID_TRANSITION] = {"invalid_transition", 409, "This move is not allowed"},
    [AC_ERR_APPROVAL_LIMIT_EXCEEDED] = {"approval_limit_exceeded", 403,
                                        "This is above your approval limit"},
    [AC_ERR_VERSION_CONFLICT] = {"version_conflict", 412, "The resource has changed"},
    [AC_ERR_PAYLOAD_TOO_LARGE] = {"payload_too_large", 413, "The body is too large"},
    [AC_ERR_UNSUPPORTED_MEDIA_TYPE] = {"unsupported_media_type", 415,
                                       "Send the body as application/json"},
    [AC_ERR_IDEMPOTENCY_KEY_REUSED] = {"idempotency_key_reused", 422,
                                       "This Idempotency-Key was used with another request"},
    [AC_ERR_PRECONDITION_REQUIRED] = {"precondition_required", 428, "If-Match is required"},
    [AC_ERR_TOO_MANY_REQUESTS] = {"too_many_requests", 429, "Too many requests"},
    [AC_ERR_HEADERS_TOO_LARGE] = {"headers_too_large", 431, "Request headers are too large"},
    [AC_ERR_INTERNAL] = {"internal_error", 500, "Internal error"},
    [AC_ERR_TOKEN_ISSUING_DISABLED] = {"token_issuing_disabled", 501,
                                       "This server verifies tokens but does not issue them"},
    [AC_ERR_DATABASE_UNAVAILABLE] = {"database_unavailable", 503,
                                     "The database is unavailable; retry shortly"},
    [AC_ERR_NOT_READY] = {"not_ready", 503, "Not ready"},
};

const ac_error_info *ac_error_lookup(ac_error err) {
  if ((unsigned)err >= AC_ERR_COUNT)
    err = AC_ERR_INTERNAL;
  return &ERRORS[err];
}
