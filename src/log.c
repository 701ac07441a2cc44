/* One JSON line per event on stderr. Lines are built fully in memory and written with a
 * single write(2), so concurrent threads never interleave within a line. */
#include "log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum log_level log_threshold = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

int
log_level_parse(const char *text, enum log_level *out)
{
    for (int i = LOG_DEBUG; i <= LOG_OFF; i++) {
        if (strcmp(text, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

static void
format_now(char out[64])
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    (void)snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                   tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000));
}

static void
write_line(char *line)
{
    size_t len = strlen(line);
    line[len] = '\n'; /* json_dumps leaves room: we replace the NUL and write len + 1 */
    ssize_t rc = write(STDERR_FILENO, line, len + 1);
    (void)rc; /* nowhere left to report a failed log write */
}

void
log_emit(enum log_level level, const char *msg, const char *fields, ...)
{
    char ts[64];
    json_t *line = NULL;
    if (fields) {
        va_list ap;
        va_start(ap, fields);
        line = json_vpack_ex(NULL, 0, fields, ap);
        va_end(ap);
    }
    if (!line)
        line = json_object();
    format_now(ts);
    json_t *head = json_pack("{s:s, s:s, s:s}", "ts", ts, "level", level_names[level], "msg", msg);
    if (head && json_object_update_missing(head, line) == 0) {
        char *text = json_dumps(head, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
        if (text) {
            size_t len = strlen(text);
            char *buf = realloc(text, len + 2);
            if (buf) {
                write_line(buf);
                text = buf;
            }
            free(text);
        }
    }
    json_decref(head);
    json_decref(line);
}
