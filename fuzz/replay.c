/*
 * replay.c - runs saved fuzz inputs through the fuzz target in the host
 * build, without libFuzzer: the committed seed corpus and every input that
 * once failed (fuzz/regressions), so that they run in every `make test`,
 * under valgrind too.
 *
 *   fuzz-replay [-v] [-t] FILE|DIR...
 *
 * A directory stands for the files in it, in name order, less the notes
 * (*.txt, *.md) and hidden files.  -t prints each
 * operation as it runs (as PAGETRACK_FUZZ_TRACE=1 does for the libFuzzer
 * binary); -v prints what the runs did.  Ends with
 * "host-fuzz-replay: N passed, M failed" and exits 1 if one failed or none ran;
 * PAGETRACK_TEST_PLATFORM replaces "host" there, as in the host suites.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define INPUT_MAX (1u << 20)

static int passed, failed;
static const char *platform = "host";

static void run_file(const char *path)
{
	static uint8_t buf[INPUT_MAX];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		printf("fuzz-replay: cannot open %s\n", path);
		failed++;
		return;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (fz_run(buf, n)) {
		passed++;
		return;
	}
	printf("FAIL %s-fuzz-replay/%s\n", platform, path);
	failed++;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Notes beside the inputs (README.txt) are not inputs. */
static bool is_note(const char *name)
{
	size_t len = strlen(name);

	return len > 4 && (strcmp(name + len - 4, ".txt") == 0 || strcmp(name + len - 3, ".md") == 0);
}

static void run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!d) {
		printf("fuzz-replay: cannot open %s\n", dir);
		failed++;
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || is_note(e->d_name))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				abort();
		}
		size_t len = strlen(dir) + strlen(e->d_name) + 2;
		names[n] = malloc(len);
		if (!names[n])
			abort();
		snprintf(names[n], len, "%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		run_file(names[i]);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	const char *env = getenv("PAGETRACK_TEST_PLATFORM");
	bool verbose = false;
	struct stat st;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (env && *env)
		platform = env;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			verbose = true;
		else if (strcmp(argv[i], "-t") == 0)
			fz_trace = true;
		else if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			run_dir(argv[i]);
		else
			run_file(argv[i]);
	}
	if (verbose)
		fz_print_totals();
	printf("%s-fuzz-replay: %d passed, %d failed\n", platform, passed, failed);
	if (passed + failed == 0) {
		fprintf(stderr, "fuzz-replay: no input to run\n");
		return 1;
	}
	return failed ? 1 : 0;
}
