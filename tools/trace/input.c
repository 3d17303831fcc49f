/* SPDX-License-Identifier: MIT */
/*
 * Trace input: the bytes of a file, decompressed through zlib, liblzma or
 * libzstd when its first bytes are the magic of gzip, xz or zstd. The name of
 * the file plays no part. Concatenated streams (gzip members, xz streams,
 * zstd frames) are read one after the other, as their tools do; anything
 * else after them is an error, as `gzip -t`, `xz -t` and `zstd -t` say.
 */
#include "trace.h"

#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#define IN_BUF (256 * 1024)

struct lb_trace_input {
	FILE *f;
	int owned;
	enum lb_trace_compression comp;
	unsigned char *buf; /* compressed (or plain) bytes from the file */
	size_t pos, len;
	int eof;      /* the file has no more bytes */
	int done;     /* no more output */
	uint64_t bytes_in;
	char err[160];
	z_stream z;
	int z_init;
	lzma_stream x;
	int x_init;
	int x_ended;  /* liblzma said LZMA_STREAM_END */
	ZSTD_DStream *zs;
	int zs_mid_frame; /* a zstd frame has begun and not ended */
};

static const char *const comp_names[LB_TRACE_NCOMPRESSIONS] = {
	"plain", "gzip", "xz", "zstd",
};

const char *lb_trace_compression_name(enum lb_trace_compression c)
{
	return (unsigned)c < LB_TRACE_NCOMPRESSIONS ? comp_names[c] : "?";
}

static int fill(struct lb_trace_input *in)
{
	if (in->pos < in->len || in->eof)
		return 0;
	in->pos = 0;
	in->len = fread(in->buf, 1, IN_BUF, in->f);
	in->bytes_in += in->len;
	if (in->len < IN_BUF) {
		if (ferror(in->f)) {
			snprintf(in->err, sizeof in->err, "read error: %s",
				 strerror(errno));
			return -1;
		}
		in->eof = 1;
	}
	return 0;
}

static enum lb_trace_compression sniff(const unsigned char *p, size_t n)
{
	static const unsigned char gz[] = { 0x1f, 0x8b };
	static const unsigned char xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
	static const unsigned char zst[] = { 0x28, 0xb5, 0x2f, 0xfd };

	if (n >= sizeof gz && !memcmp(p, gz, sizeof gz))
		return LB_TRACE_GZIP;
	if (n >= sizeof xz && !memcmp(p, xz, sizeof xz))
		return LB_TRACE_XZ;
	if (n >= sizeof zst && !memcmp(p, zst, sizeof zst))
		return LB_TRACE_ZSTD;
	return LB_TRACE_PLAIN;
}

static int setup(struct lb_trace_input *in)
{
	switch (in->comp) {
	case LB_TRACE_GZIP:
		memset(&in->z, 0, sizeof in->z);
		/* 15 + 16: a window of 32 KiB, gzip members only (as gzip
		 * itself: a zlib stream after a member is not one, and its
		 * events would be replayed twice) */
		if (inflateInit2(&in->z, 15 + 16) != Z_OK) {
			snprintf(in->err, sizeof in->err, "zlib: cannot start");
			return -1;
		}
		in->z_init = 1;
		break;
	case LB_TRACE_XZ: {
		lzma_stream init = LZMA_STREAM_INIT;
		in->x = init;
		if (lzma_stream_decoder(&in->x, UINT64_MAX, LZMA_CONCATENATED) !=
		    LZMA_OK) {
			snprintf(in->err, sizeof in->err, "liblzma: cannot start");
			return -1;
		}
		in->x_init = 1;
		break;
	}
	case LB_TRACE_ZSTD:
		in->zs = ZSTD_createDStream();
		if (!in->zs || ZSTD_isError(ZSTD_initDStream(in->zs))) {
			snprintf(in->err, sizeof in->err, "libzstd: cannot start");
			return -1;
		}
		break;
	default:
		break;
	}
	return 0;
}

struct lb_trace_input *lb_trace_input_open_file(FILE *f, int owned, char *err,
						size_t errlen)
{
	struct lb_trace_input *in = calloc(1, sizeof *in);

	if (!in || !(in->buf = malloc(IN_BUF))) {
		free(in);
		if (owned)
			fclose(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	in->f = f;
	in->owned = owned;
	/* Read until the magic can be told apart (or the file ends). */
	while (in->len < 6 && !in->eof) {
		size_t n = fread(in->buf + in->len, 1, IN_BUF - in->len, f);
		in->len += n;
		in->bytes_in += n;
		if (n == 0) {
			if (ferror(f)) {
				snprintf(err, errlen, "read error: %s",
					 strerror(errno));
				lb_trace_input_close(in);
				return NULL;
			}
			in->eof = 1;
		}
	}
	in->comp = sniff(in->buf, in->len);
	if (setup(in)) {
		snprintf(err, errlen, "%s", in->err);
		lb_trace_input_close(in);
		return NULL;
	}
	return in;
}

struct lb_trace_input *lb_trace_input_open(const char *path, char *err,
					   size_t errlen)
{
	struct lb_trace_input *in;
	char why[200];
	FILE *f;

	if (!strcmp(path, "-")) {
		f = stdin;
	} else if (!(f = fopen(path, "rb"))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	in = lb_trace_input_open_file(f, f != stdin, why, sizeof why);
	if (!in) /* the message names the file, as fopen's does */
		snprintf(err, errlen, "%s: %s", f == stdin ? "stdin" : path, why);
	return in;
}

static long read_plain(struct lb_trace_input *in, unsigned char *out, size_t n)
{
	size_t k;

	if (fill(in))
		return -1;
	k = in->len - in->pos;
	if (k == 0)
		return 0;
	if (k > n)
		k = n;
	memcpy(out, in->buf + in->pos, k);
	in->pos += k;
	return (long)k;
}

static long read_gzip(struct lb_trace_input *in, unsigned char *out, size_t n)
{
	in->z.next_out = out;
	in->z.avail_out = (uInt)n;
	while (in->z.avail_out == n) {
		int rc;

		if (fill(in))
			return -1;
		if (in->pos == in->len) {
			if (in->z.total_in != 0 || in->z.total_out != 0) {
				snprintf(in->err, sizeof in->err,
					 "gzip: unexpected end of file (truncated?)");
				return -1;
			}
			return 0; /* ended cleanly between members */
		}
		in->z.next_in = in->buf + in->pos;
		in->z.avail_in = (uInt)(in->len - in->pos);
		rc = inflate(&in->z, Z_NO_FLUSH);
		in->pos = in->len - in->z.avail_in;
		if (rc == Z_STREAM_END) {
			/* Another member may follow; reset counts it as new. */
			size_t got = n - in->z.avail_out;
			inflateReset(&in->z);
			if (got)
				return (long)got;
			in->z.next_out = out;
			in->z.avail_out = (uInt)n;
			continue;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			snprintf(in->err, sizeof in->err, "gzip: %s",
				 in->z.msg ? in->z.msg : "corrupt data");
			return -1;
		}
	}
	return (long)(n - in->z.avail_out);
}

static long read_xz(struct lb_trace_input *in, unsigned char *out, size_t n)
{
	if (in->x_ended)
		return 0;
	in->x.next_out = out;
	in->x.avail_out = n;
	while (in->x.avail_out == n) {
		lzma_ret rc;

		if (fill(in))
			return -1;
		in->x.next_in = in->buf + in->pos;
		in->x.avail_in = in->len - in->pos;
		rc = lzma_code(&in->x, in->eof && in->pos == in->len ? LZMA_FINISH
								   : LZMA_RUN);
		in->pos = in->len - in->x.avail_in;
		if (rc == LZMA_STREAM_END) {
			in->x_ended = 1;
			return (long)(n - in->x.avail_out);
		}
		if (rc != LZMA_OK) {
			snprintf(in->err, sizeof in->err, "xz: %s",
				 rc == LZMA_BUF_ERROR ? "unexpected end of file (truncated?)"
				 : rc == LZMA_DATA_ERROR ? "corrupt data"
				 : rc == LZMA_FORMAT_ERROR ? "not an xz stream"
				 : rc == LZMA_MEM_ERROR ? "out of memory"
							: "decoder error");
			return -1;
		}
	}
	return (long)(n - in->x.avail_out);
}

static long read_zstd(struct lb_trace_input *in, unsigned char *out, size_t n)
{
	ZSTD_outBuffer ob = { out, n, 0 };

	while (ob.pos == 0) {
		ZSTD_inBuffer ib;
		size_t rc;

		if (fill(in))
			return -1;
		if (in->pos == in->len) {
			if (in->zs_mid_frame) {
				snprintf(in->err, sizeof in->err,
					 "zstd: unexpected end of file (truncated?)");
				return -1;
			}
			return 0;
		}
		ib.src = in->buf;
		ib.size = in->len;
		ib.pos = in->pos;
		rc = ZSTD_decompressStream(in->zs, &ob, &ib);
		in->pos = ib.pos;
		if (ZSTD_isError(rc)) {
			snprintf(in->err, sizeof in->err, "zstd: %s",
				 ZSTD_getErrorName(rc));
			return -1;
		}
		in->zs_mid_frame = rc != 0;
	}
	return (long)ob.pos;
}

long lb_trace_input_read(struct lb_trace_input *in, void *buf, size_t n)
{
	long r;

	if (in->err[0])
		return -1;
	if (in->done || n == 0)
		return 0;
	if (n > (size_t)1 << 30)
		n = (size_t)1 << 30;
	switch (in->comp) {
	case LB_TRACE_GZIP:
		r = read_gzip(in, buf, n);
		break;
	case LB_TRACE_XZ:
		r = read_xz(in, buf, n);
		break;
	case LB_TRACE_ZSTD:
		r = read_zstd(in, buf, n);
		break;
	default:
		r = read_plain(in, buf, n);
		break;
	}
	if (r == 0)
		in->done = 1;
	return r;
}

enum lb_trace_compression lb_trace_input_compression(const struct lb_trace_input *in)
{
	return in->comp;
}

uint64_t lb_trace_input_bytes_in(const struct lb_trace_input *in)
{
	return in->bytes_in;
}

const char *lb_trace_input_error(const struct lb_trace_input *in)
{
	return in->err[0] ? in->err : NULL;
}

void lb_trace_input_close(struct lb_trace_input *in)
{
	if (!in)
		return;
	if (in->z_init)
		inflateEnd(&in->z);
	if (in->x_init)
		lzma_end(&in->x);
	if (in->zs)
		ZSTD_freeDStream(in->zs);
	if (in->owned && in->f)
		fclose(in->f);
	free(in->buf);
	free(in);
}
