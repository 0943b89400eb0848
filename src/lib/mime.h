/* mime — the media type of a file from its name's extension.
 *
 * One small table of common web and data types, looked up case-insensitively
 * by the text after the name's last '.' (a leading dot alone, as in ".env",
 * is no extension). Used where fakes3 makes objects out of files (--seed);
 * a name it does not know is "binary/octet-stream", which is what S3 gives
 * an object stored without a Content-Type. No state, safe from any thread. */
#ifndef FAKES3_MIME_H
#define FAKES3_MIME_H

#define MIME_DEFAULT "binary/octet-stream"

/* The type for a file name or path (only the part after the last '/' is
 * looked at); a static string, never NULL. */
const char *mime_type(const char *name);

#endif
