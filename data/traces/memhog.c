/* SPDX-License-Identifier: MIT */
/*
 * The memory-hungry phase of default-workload.sh: map THP_MIB of anonymous
 * memory with MADV_HUGEPAGE (THP in madvise mode gives order-9 allocations,
 * one per 2 MiB) and SMALL_MIB with MADV_NOHUGEPAGE (order-0 allocations),
 * touch every page from THREADS threads at once (each its own slice, so
 * page faults, and the allocations they make, run on several CPUs in
 * parallel), hold it for HOLD_MS, then unmap it all.
 *
 *   memhog THP_MIB SMALL_MIB HOLD_MS [THREADS]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static unsigned char *map(size_t bytes, int advice)
{
	/* Over-map by 2 MiB so that the huge-page part can start aligned. */
	size_t align = (size_t)2 << 20;
	unsigned char *p = mmap(NULL, bytes + align, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED) {
		perror("memhog: mmap");
		exit(1);
	}
	p = (unsigned char *)(((size_t)p + align - 1) & ~(align - 1));
	if (madvise(p, bytes, advice) != 0)
		perror("memhog: madvise"); /* not fatal: THP may be off */
	return p;
}

struct slice {
	unsigned char *p;
	size_t bytes;
};

static void *touch(void *arg)
{
	struct slice *s = arg;

	for (size_t off = 0; off < s->bytes; off += 4096)
		s->p[off] = 1;
	return NULL;
}

/* Touch [p, p + bytes) from n threads, in slices of whole 2 MiB. */
static void touch_all(unsigned char *p, size_t bytes, unsigned n)
{
	pthread_t tid[64];
	struct slice sl[64];
	size_t per = (bytes / n + ((size_t)2 << 20) - 1) & ~(((size_t)2 << 20) - 1), off = 0;

	for (unsigned i = 0; i < n; i++) {
		sl[i].p = p + off;
		sl[i].bytes = off >= bytes ? 0 : bytes - off < per ? bytes - off : per;
		off += sl[i].bytes;
		if (pthread_create(&tid[i], NULL, touch, &sl[i]) != 0) {
			perror("memhog: pthread_create");
			exit(1);
		}
	}
	for (unsigned i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
}

int main(int argc, char **argv)
{
	size_t big, small;
	unsigned threads = 1;
	long hold;
	struct timespec ts;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: memhog THP_MIB SMALL_MIB HOLD_MS [THREADS]\n");
		return 2;
	}
	big = (size_t)strtoul(argv[1], NULL, 10) << 20;
	small = (size_t)strtoul(argv[2], NULL, 10) << 20;
	hold = strtol(argv[3], NULL, 10);
	if (argc == 5)
		threads = (unsigned)strtoul(argv[4], NULL, 10);
	if (threads < 1 || threads > 64)
		threads = 1;
	if (big)
		touch_all(map(big, MADV_HUGEPAGE), big, threads);
	if (small)
		touch_all(map(small, MADV_NOHUGEPAGE), small, threads);
	ts.tv_sec = hold / 1000;
	ts.tv_nsec = (hold % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	return 0; /* exit unmaps everything */
}
