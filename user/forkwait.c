/*
 * forkwait.c - fork a child that exits at once and wait for it, `arg`
 * times: what the kernel's benchmark of fork, exit and wait runs.  Exits 0
 * if every round went as it should, 1 otherwise.
 */
#include "ulib.h"

int main(int arg)
{
	for (int i = 0; i < arg; i++) {
		int status = -1, pid = fork();
		if (pid == 0)
			exit(7);
		if (pid < 0 || wait(&status) != pid || status != 7)
			return 1;
	}
	return 0;
}
