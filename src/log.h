/* Structured logging: one JSON object per line on stderr. Callers pass extra fields as a
 * jansson pack format, so every value is escaped. Never log patient data or tokens. */
#ifndef OIH_LOG_H
#define OIH_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

/* The only global: read by the macros below before any argument is evaluated. */
extern enum log_level log_threshold;

/* Writes {"ts":..., "level":..., "msg": msg, ...fields}; fields is a json_pack object
 * format such as "{s:s, s:i}" or NULL. Thread-safe: one write(2) per line. */
void log_emit(enum log_level level, const char *msg, const char *fields, ...);

/* Parses "debug", "info", "warn", "error" or "off"; returns 0 or -1. */
int log_level_parse(const char *text, enum log_level *out);

#define LOG_AT(lvl, ...)                                                                           \
    do {                                                                                           \
        if ((lvl) >= log_threshold)                                                                \
            log_emit((lvl), __VA_ARGS__);                                                          \
    } while (0)
#define log_debug(...) LOG_AT(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) LOG_AT(LOG_INFO, __VA_ARGS__)
#define log_warn(...) LOG_AT(LOG_WARN, __VA_ARGS__)
#define log_error(...) LOG_AT(LOG_ERROR, __VA_ARGS__)

#endif
