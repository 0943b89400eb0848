/* mpu — what the multipart handler files (multipart.c, complete.c) share,
 * and attributes.c, which lists a completed object's parts. Internal to
 * src/s3/. */
#ifndef FAKES3_MPU_H
#define FAKES3_MPU_H

#include "lib/checksum.h"
#include "s3/s3req.h"

#define S3_MIN_PART  (5ULL * 1024 * 1024) /* every part but the last */
#define S3_MAX_PARTS 10000

/* The upload named by ?uploadId, which must belong to this bucket and key:
 * 0 with *u filled (the caller frees it, store_upload_free), or -1 after
 * answering NoSuchUpload, NoSuchBucket or InternalError. */
int s3_mpu_need_upload(s3_req_t *r, http_response_t *resp, store_upload_t *u);
/* A part's stored checksum "ALG:base64": its algorithm (CK_NONE when
 * malformed), *b64 pointing into stored. */
checksum_alg_t s3_mpu_part_ck(const char *stored, const char **b64);
/* Append <ChecksumALG>value</ChecksumALG>. */
void s3_mpu_xml_checksum(buf_t *b, checksum_alg_t alg, const char *value);

#endif
