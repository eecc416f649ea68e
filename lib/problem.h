/* The one table of stable error codes: code -> HTTP status and title.
 * Handlers name a code; they never write error JSON themselves. */
#ifndef AC_PROBLEM_H
#define AC_PROBLEM_H

typedef enum ac_error {
  AC_ERR_VALIDATION = 0,
  AC_ERR_MALFORMED_JSON,
  AC_ERR_UNAUTHORIZED,
  AC_ERR_INVALID_CREDENTIALS,
  AC_ERR_FORBIDDEN,
  AC_ERR_NOT_FOUND,
  AC_ERR_METHOD_NOT_ALLOWED,
  AC_ERR_ALREADY_EXISTS,
  AC_ERR_IDEMPOTENCY_IN_FLIGHT,
  AC_ERR_DUPLICATE_CUSTOMER,
  AC_ERR_CUSTOMER_ERASED,
  AC_ERR_CUSTOMER_OPTED_OUT,
  AC_ERR_INVALID_TRANSITION,
  AC_ERR_APPROVAL_LIMIT_EXCEEDED,
  AC_ERR_VERSION_CONFLICT,
  AC_ERR_PAYLOAD_TOO_LARGE,
  AC_ERR_UNSUPPORTED_MEDIA_TYPE,
  AC_ERR_IDEMPOTENCY_KEY_REUSED,
  AC_ERR_PRECONDITION_REQUIRED,
  AC_ERR_TOO_MANY_REQUESTS,
  AC_ERR_HEADERS_TOO_LARGE,
  AC_ERR_INTERNAL,
  AC_ERR_TOKEN_ISSUING_DISABLED,
  AC_ERR_DATABASE_UNAVAILABLE,
  AC_ERR_NOT_READY,
  AC_ERR_COUNT
} ac_error;

typedef struct ac_error_info {
  const char *code;  /* stable machine code, e.g. "validation_failed" */
  unsigned status;   /* HTTP status */
  const char *title; /* short human title */
} ac_error_info;

/* Never NULL for a valid code; static storage. */
const ac_error_info *ac_error_lookup(ac_error err);

#endif
