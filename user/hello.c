/* hello.c - the smallest program: it ends with its argument as exit status. */
#include "ulib.h"

int main(int arg)
{
	return arg;
}
