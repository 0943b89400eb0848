/* The web console's files (console/ in the repository), embedded in the
 * binary at build time: each file's bytes between two symbols,
 * ctl_console_asset_NAME and ctl_console_asset_NAME_end, that console.c's
 * table names. Paths are relative to the repository's top (make runs cc
 * there). A file added to console/ gets a line here and a row in
 * console.c. */
    .section .rodata
    .balign 16

#define ASSET(name, file)                  \
    .global ctl_console_asset_##name;      \
    .global ctl_console_asset_##name##_end; \
ctl_console_asset_##name:                  \
    .incbin file;                          \
ctl_console_asset_##name##_end:            \
    .byte 0;                               \
    .balign 16

ASSET(index_html, "console/index.html")
ASSET(style_css, "console/style.css")
ASSET(sigv4_js, "console/sigv4.js")
ASSET(s3api_js, "console/s3api.js")
ASSET(app_js, "console/app.js")
ASSET(ops_js, "console/ops.js")

    .section .note.GNU-stack, "", @progbits
