/* The one place responses are made: JSON bodies, problem+json errors and empty replies.
 * Every status code of api.md has its title and problem type in reply.c's table. */
#ifndef OIH_REPLY_H
#define OIH_REPLY_H

#include <jansson.h>

#include "domain/field_errors.h"
#include "http/request.h"

/* Serializes body (stolen) as the response with status. */
void reply_json(struct response *res, int status, json_t *body);
/* A JSON body already serialized (stolen: body is new memory of length bytes). */
void reply_json_text(struct response *res, int status, char *body, size_t length);
/* A problem document with status and a detail that must not carry patient data. */
void reply_problem(struct response *res, int status, const char *detail);
/* A problem document listing errs (borrowed) under "errors". */
void reply_problem_errors(struct response *res, int status, const char *detail,
                          const struct field_errors *errs);
/* 503 with Retry-After: the database cannot be reached right now. */
void reply_unavailable(struct response *res);
/* A reply without a body (204). */
void reply_empty(struct response *res, int status);

#endif
